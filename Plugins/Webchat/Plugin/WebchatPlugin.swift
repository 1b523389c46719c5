// The website chat widget channel: a widget API on alias routes (the instance is picked by the
// widget key or the Host name), the widget script and a demo page.
import SwitchboardSDK
import WebchatCore

@_cdecl("switchboard_plugin_entry")
public func switchboardPluginEntry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(WebchatPlugin.self, major, minor, err)
}

/// The routes, in descriptor order.
enum Routes {
    static let health = Route("GET", "/health")
    static let chat = Route("POST", "/chat", mount: .alias)
    static let chatPreflight = Route("OPTIONS", "/chat", mount: .alias)
    static let history = Route("GET", "/chat/{session_id}/history", mount: .alias)
    static let historyPreflight = Route("OPTIONS", "/chat/{session_id}/history", mount: .alias)
    static let forget = Route("DELETE", "/chat/{session_id}", mount: .alias)
    static let forgetPreflight = Route("OPTIONS", "/chat/{session_id}", mount: .alias)
    static let config = Route("GET", "/widget/config", mount: .alias)
    static let configPreflight = Route("OPTIONS", "/widget/config", mount: .alias)
    static let script = Route("GET", "/widget.js", mount: .alias)
    static let demo = Route("GET", "/widget/demo", mount: .alias)

    static let all = [
        health, chat, chatPreflight, history, historyPreflight, forget, forgetPreflight, config, configPreflight,
        script, demo,
    ]
}

final class WebchatPlugin: ChannelPlugin {
    static let descriptor = PluginDescription(
        name: "webchat",
        version: "1.0.0",
        settingsSchema: #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "Webchat channel",
              "type": "object",
              "properties": {
                "allowed_origins": {"type": "array", "items": {"type": "string"}, "description": "Origins whose pages may use the widget API, e.g. https://shop.example; \"*\" allows any"},
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
                "rate_limit_per_minute": {"type": "integer", "minimum": 1, "description": "Messages per minute per visitor IP address"},
                "tenant_rate_limit_per_minute": {"type": "integer", "minimum": 1, "description": "Messages per minute for the whole tenant"},
                "max_message_bytes": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "Largest accepted message"},
                "trust_forwarded_for": {"type": "boolean", "description": "Take the visitor IP from X-Forwarded-For (only behind your own proxy)"}
              },
              "additionalProperties": false
            }
            """#,
        routes: Routes.all)

    /// Message rate limits, shared by the instances (the tenant limit spans a tenant's instances).
    let limiter = Locked(RateLimiter())

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        let settings: WebchatSettings
        do {
            settings = try WebchatSettings(settings: context.config.settings)
        } catch {
            throw PluginError(.invalidArgument, "\(error.field ?? "settings"): \(error.message)")
        }
        return try WebchatInstance(context: context, settings: settings, limiter: limiter)
    }
}
