import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// ABI 1.3: streamed replies (`"stream": true` → `on_reply_event`), and a contact's history and
/// erasure for channels that show them (`conversation_history`, `contact_forget`).
@Suite("Reply streaming and contact history")
struct ReplyStreamingTests {
    /// The probe's recorded reply events, in the order it received them.
    static func events(_ host: LiveHost, _ instance: String) async throws -> [[String: Any]] {
        let reply = try await host.request(.GET, "/webhook/probe/\(instance)/kv/events")
        guard reply.status == 200 else { return [] }
        return reply.text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("a streamed reply arrives as ordered deltas that add up to the reply then sent; unstreamed ones send no deltas")
    func deltas() async throws {
        let host = try await ConversationTests.probeHost("stream-deltas")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        _ = try await host.admin(.PUT, "/tenants/acme/assistant", json: ["assistant_name": "Alice", "company_name": "Acme"])

        let plain = try await ConversationTests.inbound(host, "a", ["external_id": "p-1", "from": "+15550001", "text": "hi"])
        #expect(plain.json["reply_queued"] as? Bool == true)
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 1 })
        #expect(try await Self.events(host, "a").isEmpty, "nobody asked for a stream")

        let streamed = try await ConversationTests.inbound(
            host, "a", ["external_id": "s-1", "from": "+15550002", "text": "hello", "stream": true])
        let inboundId = try #require(streamed.json["message_id"] as? String)
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 2 })
        let sent = try #require(try await ConversationTests.sent(host, "a").values.first { $0["reply_to"] as? String == inboundId })
        let events = try await Self.events(host, "a")
        #expect(events.count > 1, "the template agent streams word by word: \(events)")
        #expect(events.allSatisfy { $0["type"] as? String == "delta" && $0["reply_to"] as? String == inboundId })
        #expect(events.compactMap { $0["index"] as? Int } == Array(0..<events.count))
        #expect(events.compactMap { $0["text"] as? String }.joined() == sent["text"] as? String)
        #expect((sent["text"] as? String)?.contains("Alice") == true)

        let bad = try await ConversationTests.inbound(host, "a", ["external_id": "s-2", "from": "+1", "text": "x", "stream": "yes"])
        #expect(bad.status == 400 && bad.text.contains("stream"), "\(bad.text)")
    }

    @Test("an agent that fails streams an error event, marked retrying until the last attempt")
    func agentFailure() async throws {
        try await StubServer.with({ _ in .text(#"{"error":"down"}"#, status: .serviceUnavailable) }) { agent in
            let host = try await ConversationTests.probeHost("stream-failure") { $0.conversations.maxAgentAttempts = 2 }
            defer { Task { await host.stop() } }
            try await host.createInstance(
                tenant: "acme", plugin: "probe", name: "a", settings: ["agent_api_url": agent.url("/chat")])
            _ = try await ConversationTests.inbound(
                host, "a", ["external_id": "f-1", "from": "+15550003", "text": "hello", "stream": true])
            #expect(try await Fixtures.eventually { try await Self.events(host, "a").count == 2 })
            let events = try await Self.events(host, "a")
            #expect(events.map { $0["type"] as? String } == ["error", "error"])
            #expect(events.map { $0["retrying"] as? Bool } == [true, false])
            #expect((events.last?["error"] as? String)?.contains("503") == true, "\(events)")
        }
    }

    @Test("history pages a contact's messages oldest first; forgetting erases them and the next message starts afresh")
    func historyAndForget() async throws {
        let host = try await ConversationTests.probeHost("stream-history")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "b")
        func history(_ instance: String, _ query: [String: Any]) async throws -> LiveHost.Reply {
            try await host.request(
                .POST, "/webhook/probe/\(instance)/history", body: Array(try JSONSerialization.data(withJSONObject: query)))
        }
        for n in 1...3 {
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "h-\(n)", "from": "visitor-1", "text": "q\(n)"])
            #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == n })
        }
        _ = try await ConversationTests.inbound(host, "a", ["external_id": "o-1", "from": "visitor-2", "text": "other"])
        _ = try await ConversationTests.inbound(host, "b", ["external_id": "b-1", "from": "visitor-1", "text": "elsewhere"])

        let all = try await history("a", ["contact": "visitor-1"])
        #expect(all.status == 200, "\(all.text)")
        let items = all.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 6 && all.json["next_cursor"] is NSNull)
        #expect(items.map { $0["direction"] as? String } == ["inbound", "outbound", "inbound", "outbound", "inbound", "outbound"])
        #expect(items.first?["text"] as? String == "q1" && !items.contains { $0["text"] as? String == "other" })

        let newest = try await history("a", ["contact": "visitor-1", "limit": 2])
        #expect((newest.json["items"] as? [[String: Any]])?.first?["text"] as? String == "q3")
        let cursor = try #require(newest.json["next_cursor"] as? String)
        let older = try await history("a", ["contact": "visitor-1", "limit": 2, "before": cursor])
        #expect((older.json["items"] as? [[String: Any]])?.first?["text"] as? String == "q2")

        #expect(try await history("a", ["contact": "nobody"]).json["items"] as? [Any] != nil)
        #expect(try await history("a", ["limit": 2]).text.contains("contact"))
        #expect(try await history("a", ["contact": "visitor-1", "limit": 0]).text.contains("limit"))
        #expect(try await history("a", ["contact": "visitor-1", "before": "msg_nope"]).text.contains("cursor"))

        #expect(try await host.request(.POST, "/webhook/probe/a/forget", body: Array("visitor-1".utf8)).status == 204)
        #expect((try await history("a", ["contact": "visitor-1"]).json["items"] as? [Any])?.isEmpty == true)
        #expect((try await history("a", ["contact": "visitor-2"]).json["items"] as? [Any])?.count ?? 0 >= 1, "others stay")
        #expect((try await history("b", ["contact": "visitor-1"]).json["items"] as? [Any])?.count ?? 0 >= 1, "other instances stay")
        #expect(try await host.request(.POST, "/webhook/probe/a/forget", body: Array("visitor-1".utf8)).status == 204)
        let again = try await ConversationTests.inbound(host, "a", ["external_id": "h-9", "from": "visitor-1", "text": "back"])
        #expect(again.json["duplicate"] as? Bool == false && again.json["reply_queued"] as? Bool == true)
    }

    @Test("a reply waiting in memory for a send place is never sent once its contact is erased")
    func forgetWhileQueued() async throws {
        let host = try await ConversationTests.probeHost("forget-queued") { $0.conversations.concurrency = 1 }
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        // One send place and a slow provider: while the first reply is in on_send, the next waits.
        #expect(try await host.request(.PUT, "/webhook/probe/a/kv/send_delay_ms", body: Array("1500".utf8)).status == 204)
        _ = try await ConversationTests.inbound(host, "a", ["external_id": "q-1", "from": "first", "text": "one"])
        let waiting = try await ConversationTests.inbound(host, "a", ["external_id": "q-2", "from": "erased", "text": "two"])
        #expect(waiting.json["reply_queued"] as? Bool == true, "\(waiting.text)")
        #expect(try await host.request(.POST, "/webhook/probe/a/forget", body: Array("erased".utf8)).status == 204)
        #expect(try await host.request(.PUT, "/webhook/probe/a/kv/send_delay_ms", body: Array("0".utf8)).status == 204)
        // Sends go in order: once a later contact's reply went out, the erased one had its turn.
        _ = try await ConversationTests.inbound(host, "a", ["external_id": "q-3", "from": "later", "text": "three"])
        #expect(
            try await Fixtures.eventually(20) {
                try await ConversationTests.sent(host, "a").values.contains { $0["to"] as? String == "later" }
            })
        let recipients = try await ConversationTests.sent(host, "a").values.compactMap { $0["to"] as? String }.sorted()
        #expect(recipients == ["first", "later"], "the erased contact's reply reached on_send: \(recipients)")
    }
}
