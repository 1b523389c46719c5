import Foundation
import NIOHTTP1
import PluginAPI
import Testing

@testable import SwitchboardHost

/// ABI 1.2: plugins' tenant routes (`SB_MOUNT_TENANT`) and the channel status they publish.
@Suite("Plugin ABI 1.2")
struct PluginABI12Tests {
    @Test("a tenant route answers only a key of the instance's tenant, and the key never reaches the plugin")
    func tenantRoutes() async throws {
        let host = try await ConversationTests.probeHost("abi12-tenant")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
        func key(_ tenant: String, _ scope: String = "tenant", instance: String? = nil) async throws -> String {
            var body: [String: Any] = ["scope": scope]
            if let instance { body["instance"] = instance }
            return try #require(try await host.admin(.POST, "/tenants/\(tenant)/api-keys", json: body).json["key"] as? String)
        }
        let acme = try await key("acme")
        let globex = try await key("globex")
        let widget = try await key("acme", "widget", instance: "probe/a")

        let mine = try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: [("Authorization", "Bearer \(acme)")])
        #expect(mine.status == 200, "\(mine.text)")
        #expect(mine.json["route_index"] as? Int == 1, "the tenant-mounted route answered")
        #expect(mine.json["subpath"] as? String == "/whoami")
        let seen = (mine.json["headers"] as? [String] ?? []).joined(separator: "\n")
        #expect(!seen.contains(acme) && !seen.lowercased().contains("authorization"), "\(seen)")

        let viaHeader = try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: [("X-Switchboard-Key", acme)])
        #expect(viaHeader.status == 200)
        #expect(!(viaHeader.json["headers"] as? [String] ?? []).joined().contains(acme))

        // Another tenant's instance does not exist for this key; nor does an unknown one.
        let theirs = try await host.request(.POST, "/v1/plugins/probe/g/whoami", body: Array("x".utf8), headers: [("Authorization", "Bearer \(acme)")])
        #expect(theirs.status == 404 && theirs.header("content-type") == "application/problem+json")
        #expect(try await host.request(.GET, "/v1/plugins/probe/nope/whoami", headers: [("Authorization", "Bearer \(acme)")]).status == 404)
        #expect(try await host.request(.GET, "/v1/plugins/probe/g/whoami", headers: [("Authorization", "Bearer \(globex)")]).status == 200)

        // No key, a bad key, a widget key: refused before the plugin runs.
        let anonymous = try await host.request(.GET, "/v1/plugins/probe/a/whoami")
        #expect(anonymous.status == 401 && anonymous.json["field"] as? String == "authorization")
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: [("Authorization", "Bearer sb_tenant_nope")]).status == 401)
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: [("X-Switchboard-Key", widget)]).status == 403)

        // The admin token opens it when it names the tenant, and only for that tenant's instances.
        let admin = [("Authorization", "Bearer \(LiveHost.adminToken)")]
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: admin + [("X-Switchboard-Tenant", "acme")]).status == 200)
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: admin + [("X-Switchboard-Tenant", "globex")]).status == 404)
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: admin).status == 400)

        // The same plugin's instance routes stay public; a suspended tenant's tenant routes close.
        #expect(try await host.request(.GET, "/webhook/probe/a/whoami").json["route_index"] as? Int == 0)
        #expect(try await host.admin(.PATCH, "/tenants/acme", json: ["status": "suspended"]).status == 200)
        #expect(try await host.request(.GET, "/v1/plugins/probe/a/whoami", headers: [("Authorization", "Bearer \(acme)")]).status == 403)
    }

    @Test("a published channel status shows on the instance in the admin API, replaced whole and kept")
    func channelStatus() async throws {
        let host = try await ConversationTests.probeHost("abi12-status")
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        let before = try await host.admin(.GET, "/instances/\(id)")
        #expect(before.status == 200, "\(before.text)")
        #expect(before.json["channel_status"] is NSNull && before.json["channel_status_updated_at"] is NSNull)

        func publish(_ body: String) async throws -> LiveHost.Reply {
            try await host.request(.POST, "/webhook/probe/a/channel-status", body: Array(body.utf8))
        }
        #expect(try await publish(#"{"connection":"connecting","qrcode":{"code":"2@abc"}}"#).status == 204)
        #expect(try await publish(#"{"connection":"open"}"#).status == 204)
        let after = try await host.admin(.GET, "/instances/\(id)")
        let status = try #require(after.json["channel_status"] as? [String: Any])
        #expect(status["connection"] as? String == "open")
        #expect(status["qrcode"] == nil, "a publish replaces the whole object")
        #expect(after.json["channel_status_updated_at"] is Int)
        let listed = try await host.admin(.GET, "/instances?plugin=probe").json["items"] as? [[String: Any]]
        #expect((listed?.first?["channel_status"] as? [String: Any])?["connection"] as? String == "open")

        // Not an object, or too large: refused, and the last good status stays.
        // (The probe answers 400 with the host's status code in the body.)
        #expect(try await publish("[1,2]").json["status"] as? Int == Int(SB_ERR_INVALID_ARGUMENT))
        #expect(try await publish("not json").json["status"] as? Int == Int(SB_ERR_INVALID_ARGUMENT))
        let huge = #"{"blob":""# + String(repeating: "x", count: 300 * 1024) + #""}"#
        #expect(try await publish(huge).json["status"] as? Int == Int(SB_ERR_TOO_LARGE))
        #expect(
            (try await host.admin(.GET, "/instances/\(id)").json["channel_status"] as? [String: Any])?["connection"]
                as? String == "open")
    }
}
