import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// `[conversations] agent_calls_per_minute` on a live host: over a tenant's budget, messages
/// wait (stored, unanswered, not failed), and other tenants are not held up.
@Suite("Agent budget")
struct AgentBudgetTests {
    @Test("a tenant over its agent budget waits; another tenant is answered meanwhile; nothing fails")
    func budget() async throws {
        let host = try await ConversationTests.probeHost("agent-budget") { $0.conversations.agentCallsPerMinute = 2 }
        defer { Task { await host.stop() } }
        let acme = try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
        for n in 1...3 {
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "b-\(n)", "from": "+1555000\(n)", "text": "hi"])
        }
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 2 })
        // The third waits for a token (one every 30 s at 2 a minute) while globex is answered.
        for n in 1...2 {
            _ = try await ConversationTests.inbound(host, "g", ["external_id": "g-\(n)", "from": "+1555999\(n)", "text": "hi"])
        }
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "g").count == 2 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await ConversationTests.sent(host, "a").count == 2, "still waiting for its budget")
        let messages = try await host.admin(.GET, "/instances/\(acme)/messages").json["messages"] as? [[String: Any]] ?? []
        let answered = Set(messages.compactMap { $0["reply_to"] as? String })
        let waiting = messages.filter { $0["direction"] as? String == "inbound" && !answered.contains($0["id"] as? String ?? "") }
        #expect(waiting.count == 1, "\(messages)")
        #expect(!messages.contains { $0["status"] as? String == "failed" || $0["error"] != nil }, "waiting is not failing")
    }

    @Test("a flood from one tenant over its budget does not hold up another tenant's replies")
    func noStarvation() async throws {
        let host = try await ConversationTests.probeHost("agent-budget-flood") {
            $0.conversations.agentCallsPerMinute = 1
            $0.conversations.concurrency = 2
        }
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
        for n in 1...6 {
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "f-\(n)", "from": "+1555100\(n)", "text": "hi"])
        }
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 1 })
        _ = try await ConversationTests.inbound(host, "g", ["external_id": "g-1", "from": "+15552001", "text": "hi"])
        #expect(
            try await Fixtures.eventually { try await ConversationTests.sent(host, "g").count == 1 },
            "five acme messages wait for tokens; globex's goes ahead")
    }
}
