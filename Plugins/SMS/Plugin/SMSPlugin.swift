// The SMS channel. For now: settings schema, instance lifecycle and GET /health.
// Channel logic comes with the channel issue.
import SwitchboardSDK

@_cdecl("switchboard_plugin_entry")
public func switchboardPluginEntry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(SMSPlugin.self, major, minor, err)
}

final class SMSPlugin: ChannelPlugin {
    static let health = Route("GET", "/health")

    static let descriptor = PluginDescription(
        name: "sms",
        version: "0.1.0",
        settingsSchema: #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "SMS channel",
              "type": "object",
              "properties": {
                "provider_base_url": {"type": "string", "format": "uri", "description": "Base URL of the SMS provider's API"},
                "account_sid": {"type": "string", "description": "Provider account id"},
                "auth_token": {"type": "string", "writeOnly": true, "description": "Provider auth token (secret)"},
                "front_desk_number": {"type": "string", "description": "E.164 number messages are sent from"},
                "unknown_sender_reply": {"type": "string", "description": "Reply to senders the tenant does not know"},
                "quarantine_default_days": {"type": "integer", "minimum": 1, "default": 90, "description": "Default quarantine period for a retired number, in days"}
              },
              "additionalProperties": false
            }
            """#,
        routes: [health])

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        SMSInstance(context: context)
    }
}

final class SMSInstance: ChannelInstance {
    let context: InstanceContext

    init(context: InstanceContext) {
        self.context = context
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        guard request.route == SMSPlugin.health else {
            try response.send(status: 404, json: ["error": "not found"])
            return .answered
        }
        try response.send(
            status: 200, json: ["status": "ok", "plugin": "sms", "instance": .string(context.config.instance)])
        return .answered
    }

    func send(_ message: OutboundMessage) throws -> SendResult {
        throw PluginError(.unsupported, "not implemented until the channel issue")
    }
}
