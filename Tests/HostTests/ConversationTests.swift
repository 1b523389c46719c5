import Foundation
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// The conversation core end to end: a plugin hands an inbound message over, the tenant's
/// assistant answers, the reply goes out through the plugin's send hook.
@Suite("Conversations")
struct ConversationTests {
    static func probeHost(_ label: String, configure: @escaping (inout HostConfiguration) -> Void = { _ in }) async throws
        -> LiveHost
    {
        try await LiveHost.start(
            label: label, prepare: { try await Fixtures.compileFixture("probe", into: $0) },
            configure: { configuration in
                configuration.conversations.retryBaseMilliseconds = 20
                configure(&configuration)
            })
    }

    static func inbound(_ host: LiveHost, _ instance: String, _ message: [String: Any]) async throws -> LiveHost.Reply {
        try await host.request(
            .POST, "/webhook/probe/\(instance)/inbound", body: Array(try JSONSerialization.data(withJSONObject: message)))
    }

    /// The probe's record of what it was asked to send, by message id.
    static func sent(_ host: LiveHost, _ instance: String) async throws -> [String: [String: Any]] {
        let list = try await host.request(.GET, "/webhook/probe/\(instance)/list?sent/")
        let keys = (list.json["keys"] as? [String]) ?? ((try? JSONSerialization.jsonObject(with: Data(list.body))) as? [String] ?? [])
        var result: [String: [String: Any]] = [:]
        for key in keys {
            let value = try await host.request(.GET, "/webhook/probe/\(instance)/kv/\(key)")
            result[String(key.dropFirst("sent/".count))] = value.json
        }
        return result
    }

    @Test("each tenant's assistant answers under its own name; a rename applies to the next reply")
    func isolation() async throws {
        let host = try await Self.probeHost("conv-isolation")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "b")
        for (slug, name) in [("acme", "Alice"), ("globex", "Bob")] {
            let put = try await host.admin(
                .PUT, "/tenants/\(slug)/assistant", json: ["assistant_name": name, "company_name": slug.capitalized])
            #expect(put.status == 200, "\(put.text)")
        }
        let first = try await Self.inbound(host, "a", ["external_id": "wa-1", "from": "+15550001", "text": "hello"])
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["reply_queued"] as? Bool == true)
        _ = try await Self.inbound(host, "b", ["external_id": "wa-1", "from": "+15550002", "text": "hi there"])
        #expect(
            try await Fixtures.eventually {
                let a = try await Self.sent(host, "a").count
                let b = try await Self.sent(host, "b").count
                return a == 1 && b == 1
            })
        let toAlice = try await Self.sent(host, "a").values.first
        let toBob = try await Self.sent(host, "b").values.first
        #expect((toAlice?["text"] as? String)?.contains("Alice from Acme") == true, "\(toAlice ?? [:])")
        #expect((toBob?["text"] as? String)?.contains("Bob from Globex") == true, "\(toBob ?? [:])")
        #expect(toAlice?["to"] as? String == "+15550001")

        // Renaming Alice through the admin API reaches the next reply, with no restart.
        #expect(try await host.admin(.PATCH, "/tenants/acme/assistant", json: ["assistant_name": "Alicia"]).status == 200)
        _ = try await Self.inbound(host, "a", ["external_id": "wa-2", "from": "+15550001", "text": "again"])
        #expect(try await Fixtures.eventually { try await Self.sent(host, "a").count == 2 })
        let texts = try await Self.sent(host, "a").values.compactMap { $0["text"] as? String }
        #expect(texts.contains { $0.contains("Alicia from Acme") }, "\(texts)")
    }

    @Test("the same inbound delivered 10 times at once: one message, one reply")
    func redelivery() async throws {
        let host = try await Self.probeHost("conv-dedupe")
        defer { Task { await host.stop() } }
        let instance = try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        let replies = try await withThrowingTaskGroup(of: LiveHost.Reply.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await Self.inbound(host, "a", ["external_id": "dup-1", "from": "+15550009", "text": "once"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 200 })
        #expect(Set(replies.compactMap { $0.json["message_id"] as? String }).count == 1)
        #expect(replies.filter { $0.json["duplicate"] as? Bool == false }.count == 1)
        #expect(try await Fixtures.eventually { try await Self.sent(host, "a").count == 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.sent(host, "a").count == 1, "one reply, not ten")
        let messages = try host.runtime.environment.conversations.recentMessages(instanceId: instance, limit: 50)
        #expect(messages.filter { $0.direction == .inbound }.count == 1)
        #expect(messages.filter { $0.author == .assistant }.count == 1)
    }

    @Test("a send that fails three times is retried and delivered exactly once; a permanent failure is marked failed")
    func sendRetries() async throws {
        let host = try await Self.probeHost("conv-retry")
        defer { Task { await host.stop() } }
        let instance = try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        #expect(try await host.request(.PUT, "/webhook/probe/a/kv/fail_remaining", body: Array("3".utf8)).status == 204)
        _ = try await Self.inbound(host, "a", ["external_id": "r-1", "from": "+15550003", "text": "retry me"])
        #expect(try await Fixtures.eventually { try await Self.sent(host, "a").count == 1 })
        let store = host.runtime.environment.conversations
        let reply = try #require(try store.recentMessages(instanceId: instance, limit: 10).first { $0.author == .assistant })
        #expect(try await host.request(.GET, "/webhook/probe/a/kv/delivered/\(reply.id)").text == "1")
        #expect(try await Fixtures.eventually { try store.message(id: reply.id)?.status == .sent })
        #expect(try store.message(id: reply.id)?.externalId == "ext-\(reply.id)")

        // Delivery reports (message_status, ABI 1.1) only move a message forward.
        func report(_ status: String, _ id: String = "ext-\(reply.id)") async throws -> Int {
            try await host.request(.POST, "/webhook/probe/a/status/\(status)", body: Array(id.utf8)).status
        }
        #expect(try await report("delivered") == 204)
        #expect(try store.message(id: reply.id)?.status == .delivered)
        #expect(try await report("sent") == 204, "a stale report is accepted")
        #expect(try store.message(id: reply.id)?.status == .delivered, "and changes nothing")
        #expect(try await report("read") == 204)
        #expect(try await report("failed") == 204)
        #expect(try store.message(id: reply.id)?.status == .read, "a read message cannot fail")
        #expect(try await report("read", "ext-unknown") == 404)
        #expect(try await report("bounced") == 400)
        #expect(try await host.request(.GET, "/webhook/probe/a/kv/fail_remaining").text == "0", "three failures")

        #expect(try await host.request(.PUT, "/webhook/probe/a/kv/fail_permanent", body: Array("1".utf8)).status == 204)
        _ = try await Self.inbound(host, "a", ["external_id": "r-2", "from": "+15550003", "text": "refuse me"])
        #expect(
            try await Fixtures.eventually {
                try store.recentMessages(instanceId: instance, limit: 10).contains { $0.status == .failed }
            })
        let failed = try #require(try store.recentMessages(instanceId: instance, limit: 10).first { $0.status == .failed })
        #expect(failed.error?.contains("400 invalid number") == true, "\(failed.error ?? "")")
    }

    @Test("a person answering on the channel pauses the assistant for that conversation")
    func handoff() async throws {
        let host = try await Self.probeHost("conv-handoff")
        defer { Task { await host.stop() } }
        let instance = try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        _ = try await Self.inbound(host, "a", ["external_id": "h-1", "from": "+15550004", "text": "hello"])
        #expect(try await Fixtures.eventually { try await Self.sent(host, "a").count == 1 })
        let human = try await Self.inbound(
            host, "a", ["external_id": "h-2", "from": "+15550004", "text": "I'll take it from here", "from_human": true])
        #expect(human.json["reply_queued"] as? Bool == false)
        let next = try await Self.inbound(host, "a", ["external_id": "h-3", "from": "+15550004", "text": "thanks!"])
        #expect(next.json["reply_queued"] as? Bool == false, "paused: the person answers")
        let other = try await Self.inbound(host, "a", ["external_id": "h-4", "from": "+15550005", "text": "me too"])
        #expect(other.json["reply_queued"] as? Bool == true, "other conversations are not paused")
        let store = host.runtime.environment.conversations
        let messages = try store.recentMessages(instanceId: instance, limit: 20)
        #expect(messages.first { $0.externalId == "h-2" }?.author == .human)
        #expect(messages.first { $0.externalId == "h-2" }?.direction == .outbound)
    }
}
