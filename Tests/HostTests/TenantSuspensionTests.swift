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

/// Admin lists page with a limit and an opaque cursor.
@Suite("Admin pagination")
struct AdminPaginationTests {
    @Test("tenants page through limit and next_cursor, and bad paging input is a 422 naming it")
    func pages() async throws {
        let host = try await LiveHost.start(label: "paging")
        defer { Task { await host.stop() } }
        for index in 0..<5 {
            #expect(try await host.admin(.POST, "/tenants", json: ["slug": "t\(index)"]).status == 201)
        }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await host.admin(.GET, "/tenants?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json
            seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["slug"] as? String }
            cursor = page["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == ["t0", "t1", "t2", "t3", "t4"])
        #expect(pages == 3)
        #expect(try await host.admin(.GET, "/tenants?limit=0").json["field"] as? String == "limit")
        #expect(try await host.admin(.GET, "/tenants?cursor=nope").json["field"] as? String == "cursor")
    }
}

/// Bad admin input gets a clear error naming the field, and nothing half-written.
@Suite("Admin bad input")
struct AdminBadInputTests {
    @Test("unknown fields, malformed JSON, oversized bodies and duplicates")
    func badInput() async throws {
        let host = try await LiveHost.start(label: "badinput")
        defer { Task { await host.stop() } }
        #expect(try await host.admin(.POST, "/tenants", json: ["slug": "acme"]).status == 201)
        let unknown = try await host.admin(
            .POST, "/instances", json: ["tenant": "acme", "plugin": "sms", "name": "desk", "colour": "red"])
        #expect(unknown.status == 422)
        #expect(unknown.json["field"] as? String == "colour")
        let malformed = try await host.request(
            .POST, "/admin/v1/tenants", body: Array("{\"slug\": ".utf8),
            headers: [("Authorization", "Bearer \(LiveHost.adminToken)")])
        #expect(malformed.status == 400)
        #expect(malformed.header("content-type") == "application/problem+json")
        let huge = try await host.request(
            .POST, "/admin/v1/tenants", body: Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 10),
            headers: [("Authorization", "Bearer \(LiveHost.adminToken)")])
        #expect(huge.status == 413)
        #expect(try await host.admin(.POST, "/tenants", json: ["slug": "acme"]).status == 409)
        let tenants = try await host.admin(.GET, "/tenants").json["items"] as? [[String: Any]] ?? []
        #expect(tenants.count == 1)
    }
}
