import Foundation
import Testing

@testable import SwitchboardHost

/// A suspended tenant's routes answer 403 and nothing of theirs reaches a plugin.
@Suite("Tenant suspension")
struct TenantSuspensionTests {
    @Test("suspending stops the tenant's instances (403), resuming starts them again")
    func suspendAndResume() async throws {
        let host = try await LiveHost.start(label: "suspend") { dir in
            try await Fixtures.compileFixture("probe", into: dir)
        }
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(tenant: "acme", plugin: "probe", name: "p")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
        let inbound = Array(#"{"external_id":"m1","from":"+1555","text":"hi"}"#.utf8)

        let suspended = try await host.admin(.PATCH, "/tenants/acme", json: ["status": "suspended"])
        #expect(suspended.status == 200)
        #expect(suspended.json["status"] as? String == "suspended")
        let refused = try await host.request(.POST, "/webhook/probe/p/inbound", body: inbound)
        #expect(refused.status == 403)
        #expect(refused.header("content-type") == "application/problem+json")
        #expect((refused.json["detail"] as? String ?? "").contains("acme"))
        let stored = try await host.admin(.GET, "/instances/\(id)/messages").json["messages"] as? [[String: Any]] ?? []
        #expect(stored.isEmpty, "nothing of a suspended tenant is processed")
        // Another tenant is unaffected.
        #expect(try await host.request(.GET, "/webhook/probe/g/config").status == 200)

        let bad = try await host.admin(.PATCH, "/tenants/acme", json: ["status": "paused"])
        #expect(bad.status == 422)
        #expect(bad.json["field"] as? String == "status")

        #expect(try await host.admin(.PATCH, "/tenants/acme", json: ["status": "active"]).status == 200)
        let accepted = try await host.request(.POST, "/webhook/probe/p/inbound", body: inbound)
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(try await host.admin(.GET, "/tenants/nope").status == 404)
    }
}
