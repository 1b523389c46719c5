import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import SwitchboardHost

/// Replies from real agent backends on loopback: an instance's own Agent API (seed 004), a
/// tenant's OpenAI-compatible model with streaming, and agent failures that never lose the inbound.
@Suite("Agent pipeline")
struct AgentPipelineTests {
    @Test("an instance's Agent API answers for it, with its agent name, session prefix and key")
    func instanceAgent() async throws {
        let failures = Mutex(2)
        try await StubServer.with({ _ in
            let fail = failures.withLock { count -> Bool in
                defer { count -= 1 }
                return count > 0
            }
            return fail ? .text(#"{"error":"busy"}"#, status: .serviceUnavailable) : .text(#"{"reply":"From the agent"}"#)
        }) { agent in
            let host = try await ConversationTests.probeHost("agent-instance")
            defer { Task { await host.stop() } }
            try await host.createInstance(
                tenant: "acme", plugin: "probe", name: "a",
                settings: [
                    "agent_api_url": agent.url("/chat"), "agent_api_key": "agent-key", "default_agent": "sales",
                    "session_id_prefix": "wa-", "agent_timeout": 5,
                ])
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "x-1", "from": "+15550001", "text": "price?"])
            #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 1 })
            #expect(try await ConversationTests.sent(host, "a").values.first?["text"] as? String == "From the agent")
            #expect(agent.requests.count == 3, "two 503s retried, then answered")
            let body = try #require(agent.requests.last?.json)
            #expect(body["agent"] as? String == "sales" && body["session_id"] as? String == "wa-+15550001")
            #expect(body["message"] as? String == "price?" && body["tenant"] as? String == "acme")
            #expect(body["channel"] as? String == "probe")
            #expect(agent.requests.last?.header("authorization") == "Bearer agent-key")
        }
    }

    @Test("an agent that refuses (4xx) leaves the inbound stored, unanswered, with the error")
    func agentRefuses() async throws {
        try await StubServer.with({ _ in .text(#"{"detail":"bad agent"}"#, status: .badRequest) }) { agent in
            let host = try await ConversationTests.probeHost("agent-refuses")
            defer { Task { await host.stop() } }
            let instance = try await host.createInstance(
                tenant: "acme", plugin: "probe", name: "a", settings: ["agent_api_url": agent.url("/chat")])
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "y-1", "from": "+15550001", "text": "hi"])
            let store = host.runtime.environment.conversations
            #expect(
                try await Fixtures.eventually {
                    try store.message(instanceId: instance, externalId: "y-1")?.error != nil
                })
            let inbound = try #require(try store.message(instanceId: instance, externalId: "y-1"))
            #expect(inbound.error?.contains("400") == true, "\(inbound.error ?? "")")
            #expect(agent.requests.count == 1, "a 4xx is not retried")
            #expect(try store.recentMessages(instanceId: instance, limit: 10).count == 1, "no reply")
        }
    }

    @Test("a tenant's OpenAI-compatible model streams its answer; the prompt, profile and history go with it")
    func openAI() async throws {
        try await StubServer.with({ request in
            .events { events in
                events.piece("Hel")
                events.piece("lo, ")
                events.piece("Ann")
                events.done()
            }
        }) { model in
            let host = try await ConversationTests.probeHost("agent-openai")
            defer { Task { await host.stop() } }
            try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
            let configured = try await host.admin(
                .PUT, "/tenants/acme/assistant",
                json: [
                    "assistant_name": "Alice", "company_name": "Acme",
                    "agent": ["kind": "openai", "base_url": model.url("/v1"), "model": "tiny", "api_key": "sk-model"],
                ])
            #expect(configured.status == 200, "\(configured.text)")
            let prompt = try await host.admin(.POST, "/tenants/acme/assistant/prompts", json: ["content": "Answer in rhyme."])
            _ = try await host.admin(.POST, "/tenants/acme/assistant/prompts/\(prompt.json["id"] as? String ?? "")/publish")
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "o-1", "from": "+15550001", "text": "first"])
            #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 1 })
            _ = try await ConversationTests.inbound(host, "a", ["external_id": "o-2", "from": "+15550001", "text": "second"])
            #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 2 })
            #expect(try await ConversationTests.sent(host, "a").values.allSatisfy { $0["text"] as? String == "Hello, Ann" })
            let body = try #require(model.requests.last?.json)
            #expect(body["model"] as? String == "tiny" && body["stream"] as? Bool == true)
            let messages = body["messages"] as? [[String: Any]] ?? []
            #expect(messages.first?["role"] as? String == "system")
            let system = messages.first?["content"] as? String ?? ""
            #expect(system.contains("Answer in rhyme.") && system.contains("Alice") && system.contains("Acme"), "\(system)")
            #expect(
                messages.dropFirst().map { $0["content"] as? String ?? "" } == ["first", "Hello, Ann", "second"],
                "history, then the new message")
            #expect(model.requests.last?.header("authorization") == "Bearer sk-model")
        }
    }
}
