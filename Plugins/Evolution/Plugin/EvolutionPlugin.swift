// The WhatsApp channel through Evolution API (1.8 and 2.x servers): webhooks in, sendText out.
// The rules live in EvolutionCore; this target wires them to the host (routes, storage, sends).
import EvolutionCore
import SwitchboardSDK

@_cdecl("switchboard_plugin_entry")
public func switchboardPluginEntry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(EvolutionPlugin.self, major, minor, err)
}

final class EvolutionPlugin: ChannelPlugin {
    static let health = Route("GET", "/health")
    /// The legacy single-tenant URL, answered by the default instance.
    static let legacyWebhook = Route("POST", "/webhook/evolution", mount: .alias)
    /// `/webhook/evolution/{instance}`.
    static let webhook = Route("POST", "/")
    /// `/webhook/evolution/{instance}/{event}`: Evolution's per-event mode (`webhook_by_events`).
    static let eventWebhook = Route("POST", "/{event}")

    static let descriptor = PluginDescription(
        name: "evolution",
        version: "1.0.0",
        settingsSchema: #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "Evolution API (WhatsApp) channel",
              "type": "object",
              "properties": {
                "evolution_url": {"type": "string", "format": "uri", "description": "Base URL of the Evolution API server"},
                "evolution_key": {"type": "string", "writeOnly": true, "description": "Evolution API key (secret)"},
                "whatsapp_instance": {"type": "string", "description": "Evolution instance name of the WhatsApp number"},
                "session_id_prefix": {"type": "string", "description": "Prefix of agent session ids"},
                "agent_api_url": {"type": "string", "format": "uri", "description": "Base URL of the agent API"},
                "agent_api_key": {"type": "string", "writeOnly": true, "description": "Agent API key (secret)"},
                "default_agent": {"type": "string", "description": "Agent that answers when none is chosen"},
                "agent_timeout": {"type": "number", "minimum": 0, "default": 60, "description": "Seconds to wait for the agent"},
                "api_version": {"type": "string", "enum": ["v1", "v2"], "description": "Evolution API version"},
                "webhook_jwt_secret": {"type": "string", "writeOnly": true, "description": "Secret that signs Evolution webhooks (secret)"},
                "groups": {"type": "string", "enum": ["ignore", "answer"], "description": "What to do with group messages"},
                "typing_delay_ms": {"type": "integer", "minimum": 0, "description": "Typing indicator before each answer"}
              },
              "additionalProperties": false
            }
            """#,
        routes: [health, legacyWebhook, webhook, eventWebhook])

    /// Shared by every instance of this generation.
    let sendSlots = SendSlots()

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        EvolutionInstance(context: context, sendSlots: sendSlots)
    }
}
