import Foundation
import Testing

@testable import SwitchboardHost

/// Instance settings are checked against the plugin's declared schema.
@Suite("Settings schema")
struct SettingsSchemaTests {
    static let schema = SettingsSchema(
        json: """
            {"type": "object", "additionalProperties": false, "required": ["url"],
             "properties": {
               "url": {"type": "string", "format": "uri"},
               "timeout": {"type": "number", "minimum": 0, "maximum": 600},
               "retries": {"type": "integer"},
               "mode": {"type": "string", "enum": ["ignore", "answer"]},
               "origins": {"type": "array", "items": {"type": "string", "maxLength": 10}},
               "theme": {"type": "object", "properties": {"color": {"type": "string", "minLength": 4}}},
               "debug": {"type": "boolean"}
             }}
            """)

    func violation(_ json: String) -> SettingsSchema.Violation? { Self.schema.validate(settingsJSON: json) }

    @Test func acceptsValidSettings() {
        #expect(
            violation(
                ##"{"url": "https://evo.example/api", "timeout": 30, "retries": 2, "mode": "answer", "origins": ["a"], "theme": {"color": "#fff0"}, "debug": true}"##
            ) == nil)
        #expect(violation(#"{"url": "http://127.0.0.1:8080"}"#) == nil)
    }

    @Test func namesTheFieldAtFault() {
        #expect(violation(#"{}"#)?.field == "settings.url")
        #expect(violation(#"{"url": "not a url"}"#)?.field == "settings.url")
        #expect(
            violation(#"{"url": "http://x", "timeout": "60"}"#)
                == .init(field: "settings.timeout", reason: "must be number, got a string"))
        #expect(violation(#"{"url": "http://x", "timeout": 601}"#)?.reason == "must be at most 600")
        #expect(violation(#"{"url": "http://x", "retries": 1.5}"#)?.field == "settings.retries")
        #expect(violation(#"{"url": "http://x", "retries": true}"#)?.field == "settings.retries")
        #expect(violation(#"{"url": "http://x", "mode": "shout"}"#)?.reason == #"must be one of "ignore", "answer""#)
        #expect(violation(#"{"url": "http://x", "origins": ["ok", "much-too-long"]}"#)?.field == "settings.origins[1]")
        #expect(violation(##"{"url": "http://x", "theme": {"color": "#f"}}"##)?.field == "settings.theme.color")
        #expect(violation(#"{"url": "http://x", "debug": 1}"#)?.field == "settings.debug")
        #expect(violation(#"{"url": "http://x", "tiemout": 5}"#)?.field == "settings.tiemout")
    }

    @Test("the admin API answers 422 naming the setting, and stores nothing")
    func adminAPIRefusesBadSettings() async throws {
        let host = try await LiveHost.start(label: "settings")
        defer { Task { await host.stop() } }
        _ = try await host.admin(.POST, "/tenants", json: ["slug": "acme"])
        let wrongType = try await host.admin(
            .POST, "/instances",
            json: ["tenant": "acme", "plugin": "evolution", "name": "wa", "settings": ["agent_timeout": "sixty"]])
        #expect(wrongType.status == 422)
        #expect(wrongType.json["field"] as? String == "settings.agent_timeout")
        let unknown = try await host.admin(
            .POST, "/instances",
            json: ["tenant": "acme", "plugin": "evolution", "name": "wa", "settings": ["evolution_ulr": "http://x"]])
        #expect(unknown.json["field"] as? String == "settings.evolution_ulr")
        let listed = try await host.admin(.GET, "/instances").json["items"] as? [[String: Any]] ?? []
        #expect(listed.isEmpty)
        let id = try await host.createInstance(
            tenant: "acme", plugin: "evolution", name: "wa", settings: ["api_version": "v2"])
        let patched = try await host.admin(.PATCH, "/instances/\(id)", json: ["settings": ["api_version": "v3"]])
        #expect(patched.status == 422)
        #expect(patched.json["field"] as? String == "settings.api_version")
        let stored = try await host.admin(.GET, "/instances/\(id)").json["settings"] as? [String: Any]
        #expect(stored?["api_version"] as? String == "v2")
    }
}
