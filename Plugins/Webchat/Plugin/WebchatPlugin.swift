// The website chat widget channel. For now: settings schema, instance
// lifecycle and GET /health. Channel logic comes with the channel issue.
import SwitchboardSDK

@_cdecl("switchboard_plugin_entry")
public func switchboardPluginEntry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(WebchatPlugin.self, major, minor, err)
}

final class WebchatPlugin: ChannelPlugin {
    static let health = Route("GET", "/health")

    static let descriptor = PluginDescription(
        name: "webchat",
        version: "0.1.0",
        settingsSchema: #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "Webchat channel",
              "type": "object",
              "properties": {
                "allowed_origins": {"type": "array", "items": {"type": "string"}, "description": "Origins allowed to embed the widget"},
                "theme": {
                  "type": "object",
                  "properties": {
                    "color": {"type": "string", "description": "Accent color, e.g. #0a7cff"},
                    "title": {"type": "string"},
                    "greeting": {"type": "string"},
                    "position": {"type": "string", "enum": ["bottom-right", "bottom-left"]}
                  },
                  "additionalProperties": false
                },
                "rate_limit_per_minute": {"type": "integer", "minimum": 1, "description": "Messages per minute per visitor"},
                "max_message_bytes": {"type": "integer", "minimum": 1, "description": "Largest accepted message"}
              },
              "additionalProperties": false
            }
            """#,
        routes: [health])

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        WebchatInstance(context: context)
    }
}

final class WebchatInstance: ChannelInstance {
    let context: InstanceContext

    init(context: InstanceContext) {
        self.context = context
    }

    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        guard request.route == WebchatPlugin.health else {
            try response.send(status: 404, json: ["error": "not found"])
            return .answered
        }
        try response.send(
            status: 200, json: ["status": "ok", "plugin": "webchat", "instance": .string(context.config.instance)])
        return .answered
    }

    func send(_ message: OutboundMessage) throws -> SendResult {
        throw PluginError(.unsupported, "not implemented until the channel issue")
    }
}
