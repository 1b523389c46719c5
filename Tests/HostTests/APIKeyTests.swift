import Foundation
import Testing

@testable import SwitchboardHost

/// Tenant API keys: shown once, stored as a hash, last use recorded, revocable.
@Suite("API keys")
struct APIKeyTests {
    @Test("a key is shown once, never stored in plain text, verifies until revoked")
    func lifecycle() async throws {
        let host = try await LiveHost.start(label: "apikeys")
        defer { Task { await host.stop() } }
        let instance = try await host.createInstance(tenant: "acme", plugin: "webchat", name: "site")
        let created = try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "tenant"])
        #expect(created.status == 201, "\(created.text)")
        let key = try #require(created.json["key"] as? String)
        let id = try #require(created.json["id"] as? String)
        #expect(key.hasPrefix("sb_tenant_"))
        #expect(key.utf8.count >= "sb_tenant_".count + 43, "32 random bytes")
        #expect(key.hasPrefix(created.json["prefix"] as? String ?? "-"))

        let listed = try await host.admin(.GET, "/tenants/acme/api-keys")
        #expect(!listed.text.contains(key))
        #expect(
            (listed.json["items"] as? [[String: Any]])?.first?["prefix"] as? String == created.json["prefix"] as? String
        )

        #expect(try host.server.apiKeys.verify(key)?.id == id)
        #expect(try host.server.apiKeys.verify(key + "x") == nil)
        try host.server.apiKeys.flushUse()
        let used = try await host.admin(.GET, "/tenants/acme/api-keys").json["items"] as? [[String: Any]] ?? []
        #expect(used.first?["last_used_at"] != nil)

        let widget = try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "widget"])
        #expect(widget.status == 422)
        #expect(widget.json["field"] as? String == "instance")
        let widgetKey = try await host.admin(
            .POST, "/tenants/acme/api-keys", json: ["scope": "widget", "instance": instance])
        #expect(widgetKey.json["instance_id"] as? String == instance)
        #expect((widgetKey.json["key"] as? String)?.hasPrefix("sb_widget_") == true)

        for file in try FileManager.default.subpathsOfDirectory(atPath: host.dataDirectory) {
            guard let data = FileManager.default.contents(atPath: host.dataDirectory + "/" + file) else { continue }
            #expect(data.range(of: Data(key.utf8)) == nil, "\(file) holds the key")
        }

        #expect(try await host.admin(.DELETE, "/tenants/acme/api-keys/\(id)").status == 204)
        #expect(try host.server.apiKeys.verify(key) == nil)
        #expect(try await host.admin(.DELETE, "/tenants/acme/api-keys/key_nope").status == 404)
        #expect(try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "root"]).status == 422)
    }
}
