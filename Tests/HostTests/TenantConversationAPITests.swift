import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// `/v1/conversations…`: what a tenant's own software sees and does.
@Suite("Tenant conversation API")
struct TenantConversationAPITests {
    @Test("list conversations and messages with cursors, send by hand, pause and resume; other tenants see nothing")
    func conversations() async throws {
        let host = try await ConversationTests.probeHost("tenant-conv")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
        let key = try #require(
            try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "tenant"]).json["key"] as? String)
        let otherKey = try #require(
            try await host.admin(.POST, "/tenants/globex/api-keys", json: ["scope": "tenant"]).json["key"] as? String)
        let auth = [("Authorization", "Bearer \(key)")]
        func call(_ method: HTTPMethod, _ path: String, _ json: [String: Any]? = nil, headers: [(String, String)]? = nil)
            async throws -> LiveHost.Reply
        {
            try await host.request(
                method, path, body: try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) },
                headers: (headers ?? auth) + [("Content-Type", "application/json")])
        }

        _ = try await ConversationTests.inbound(host, "a", ["external_id": "t-1", "from": "+15550001", "from_name": "Ann", "text": "hello"])
        _ = try await ConversationTests.inbound(host, "a", ["external_id": "t-2", "from": "+15550002", "text": "hi"])
        let list = try await call(.GET, "/v1/conversations?limit=1")
        #expect(list.status == 200, "\(list.text)")
        let firstPage = list.json["items"] as? [[String: Any]] ?? []
        let cursor = try #require(list.json["next_cursor"] as? String)
        let secondPage = try await call(.GET, "/v1/conversations?limit=1&cursor=\(cursor)").json["items"] as? [[String: Any]] ?? []
        #expect(firstPage.count == 1 && secondPage.count == 1)
        let all = firstPage + secondPage
        let ann = try #require(all.first { ($0["contact"] as? [String: Any])?["external_id"] as? String == "+15550001" })
        #expect((ann["contact"] as? [String: Any])?["name"] as? String == "Ann")
        let id = try #require(ann["id"] as? String)

        #expect(
            try await Fixtures.eventually {
                (try await call(.GET, "/v1/conversations/\(id)/messages").json["items"] as? [Any])?.count == 2
            })
        let page = try await call(.GET, "/v1/conversations/\(id)/messages?limit=1")
        #expect((page.json["items"] as? [[String: Any]])?.first?["direction"] as? String == "inbound")
        let next = try #require(page.json["next_cursor"] as? String)
        let rest = try await call(.GET, "/v1/conversations/\(id)/messages?cursor=\(next)").json["items"] as? [[String: Any]]
        #expect(rest?.first?["author"] as? String == "assistant")

        #expect(try await call(.GET, "/v1/conversations/\(id)", headers: [("X-Switchboard-Key", otherKey)]).status == 404)
        #expect(
            try await call(.POST, "/v1/conversations/\(id)/messages", ["text": "x"], headers: [("X-Switchboard-Key", otherKey)])
                .status == 404)

        let sent = try await call(.POST, "/v1/conversations/\(id)/messages", ["text": "We'll call you at 3"])
        #expect(sent.status == 201, "\(sent.text)")
        #expect(sent.json["status"] as? String == "queued" && sent.json["author"] as? String == "staff")
        let sentId = try #require(sent.json["id"] as? String)
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a")[sentId] != nil })
        #expect(try await ConversationTests.sent(host, "a")[sentId]?["to"] as? String == "+15550001")
        #expect(try await call(.POST, "/v1/conversations/\(id)/messages", ["text": ""]).json["field"] as? String == "text")

        let paused = try await call(.POST, "/v1/conversations/\(id)/pause", ["minutes": 10])
        #expect(paused.json["paused_until"] is Int)
        let quiet = try await ConversationTests.inbound(host, "a", ["external_id": "t-3", "from": "+15550001", "text": "?"])
        #expect(quiet.json["reply_queued"] as? Bool == false)
        #expect(try await call(.POST, "/v1/conversations/\(id)/pause", ["minutes": 0]).status == 422)
        let resumed = try await call(.POST, "/v1/conversations/\(id)/resume")
        #expect(resumed.status == 200 && resumed.json["paused_until"] == nil)
        let answered = try await ConversationTests.inbound(host, "a", ["external_id": "t-4", "from": "+15550001", "text": "!"])
        #expect(answered.json["reply_queued"] as? Bool == true)

        let asAdmin = try await call(
            .GET, "/v1/conversations", headers: [("Authorization", "Bearer \(LiveHost.adminToken)"), ("X-Switchboard-Tenant", "acme")])
        #expect(asAdmin.status == 200)
        #expect(try await call(.GET, "/v1/conversations", headers: [("Authorization", "Bearer \(LiveHost.adminToken)")]).status == 400)
        #expect(try await call(.GET, "/v1/conversations", headers: []).status == 401)
    }
}
