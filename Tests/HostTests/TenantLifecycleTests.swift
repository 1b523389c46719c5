import Foundation
import Logging
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// Renaming and deleting tenants, the tenant API, and registry writes from another process.
@Suite("Tenant lifecycle")
struct TenantLifecycleTests {
    @Test("a tenant key reaches the tenant API; other keys and no key are refused")
    func tenantAPI() async throws {
        let host = try await LiveHost.start(label: "tenantapi")
        defer { Task { await host.stop() } }
        let site = try await host.createInstance(tenant: "acme", plugin: "webchat", name: "site")
        try await host.createInstance(tenant: "globex", plugin: "webchat", name: "globex-site")
        let key = try #require(
            try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "tenant"]).json["key"] as? String)
        let widget = try #require(
            try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "widget", "instance": site])
                .json["key"] as? String)

        let me = try await host.request(.GET, "/v1/tenant", headers: [("Authorization", "Bearer \(key)")])
        #expect(me.status == 200)
        #expect(me.json["slug"] as? String == "acme")
        let mine = try await host.request(.GET, "/v1/instances", headers: [("X-Switchboard-Key", key)])
        let names = (mine.json["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["site"], "only the key's own tenant's instances")

        let none = try await host.request(.GET, "/v1/tenant")
        #expect(none.status == 401)
        #expect(none.header("content-type") == "application/problem+json")
        #expect(try await host.request(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", "sb_tenant_nope")]).status == 401)
        #expect(try await host.request(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", widget)]).status == 403)

        #expect(try await host.admin(.PATCH, "/tenants/acme", json: ["status": "suspended"]).status == 200)
        #expect(try await host.request(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", key)]).status == 403)
    }

    @Test("rename keeps the tenant's instances and storage; delete removes everything it owned")
    func renameAndDelete() async throws {
        let host = try await LiveHost.start(label: "tenantdelete")
        defer { Task { await host.stop() } }
        let instance = try await host.createInstance(tenant: "acme", plugin: "webchat", name: "site")
        try await host.createInstance(tenant: "globex", plugin: "webchat", name: "globex-site")
        let tenantId = try #require(try await host.admin(.GET, "/tenants/acme").json["id"] as? String)
        _ = try host.runtime.runningInstance(id: instance).map { try $0.storage() }
        let storageDirectory = host.dataDirectory + "/tenants/\(tenantId)"
        #expect(FileManager.default.fileExists(atPath: storageDirectory))

        let renamed = try await host.admin(.PATCH, "/tenants/acme", json: ["slug": "acme-corp", "name": "Acme Corp"])
        #expect(renamed.status == 200, "\(renamed.text)")
        #expect(renamed.json["slug"] as? String == "acme-corp")
        #expect(try await host.admin(.GET, "/tenants/acme").status == 404)
        #expect(try await host.request(.GET, "/webhook/webchat/site/health").status == 200)
        let taken = try await host.admin(.PATCH, "/tenants/acme-corp", json: ["slug": "globex"])
        #expect(taken.status == 409)
        #expect(taken.json["field"] as? String == "slug")
        #expect(try await host.admin(.PATCH, "/tenants/acme-corp", json: ["name": ""]).json["field"] as? String == "name")
        let long = try await host.admin(.POST, "/tenants", json: ["slug": "wordy", "name": String(repeating: "x", count: 201)])
        #expect(long.status == 422)
        #expect(long.json["field"] as? String == "name")
        #expect(try await host.admin(.POST, "/tenants", json: ["slug": String(repeating: "a", count: 64)]).status == 422)
        #expect(try await host.admin(.GET, "/tenants/wordy").status == 404, "nothing half-made")

        #expect(try await host.admin(.DELETE, "/tenants/acme-corp").status == 204)
        #expect(try await host.admin(.GET, "/tenants/acme-corp").status == 404)
        #expect(try await host.admin(.GET, "/instances/\(instance)").status == 404)
        #expect(try await host.request(.GET, "/webhook/webchat/site/health").status == 404)
        #expect(!FileManager.default.fileExists(atPath: storageDirectory))
        #expect(try await host.request(.GET, "/webhook/webchat/globex-site/health").status == 200, "others keep serving")
        #expect(try await host.admin(.DELETE, "/tenants/acme-corp").status == 404)
    }

    @Test("writes from another process reach the running server with no restart")
    func otherProcessWrites() async throws {
        let host = try await LiveHost.start(label: "watcher")
        defer { Task { await host.stop() } }
        // A second connection to the same file stands in for the CLI in another process.
        let other = try HostDatabase(dataDirectory: host.dataDirectory, logger: Logger(label: "cli"))
        let tenant = try other.createTenant(slug: "initech", name: "Initech")
        let record = try other.createInstance(tenantId: tenant.id, plugin: "webchat", name: "initech-site")
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/webchat/initech-site/health").status == 200 })

        try other.updateTenant(id: tenant.id, status: .suspended)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/webchat/initech-site/health").status == 403 })
        try other.updateTenant(id: tenant.id, status: .active)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/webchat/initech-site/health").status == 200 })

        try other.updateInstance(id: record.id, enabled: false)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/webchat/initech-site/health").status == 404 })
    }
}
