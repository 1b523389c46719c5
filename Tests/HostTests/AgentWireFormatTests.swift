import Foundation
import Testing

@testable import SwitchboardHost

/// The Agent API's request body, answers and error statuses. No sockets.
@Suite("Agent API wire format")
struct AgentAPIWireFormatTests {
    static let request = AgentRequest.sample

    @Test func agentAPIBody() throws {
        let settings = HTTPAgentSettings(url: "http://x/run", apiKey: nil, agent: "support", sessionPrefix: "acme-")
        let body =
            try JSONSerialization.jsonObject(with: HTTPAgent.body(for: Self.request, settings: settings))
            as? [String: Any] ?? [:]
        #expect(body.count == 8)
        #expect(
            body.compactMapValues { $0 as? String } == [
                "agent": "support", "session_id": "acme-5511999@s.whatsapp.net", "message": "Do you open on Sunday?",
                "tenant": "acme",
                "channel": "evolution", "instance": "acme-wa", "conversation_id": "conv-1", "contact_name": "Ana",
            ])
        var anonymous = Self.request
        anonymous.contactName = nil
        let second = try JSONSerialization.jsonObject(with: HTTPAgent.body(for: anonymous, settings: settings))
        #expect((second as? [String: Any])?["contact_name"] == nil)
    }

    @Test func agentAPIReplyFields() throws {
        func reply(_ json: String) throws(AgentError) -> String { try HTTPAgent.reply(fromAnswer: Data(json.utf8)) }
        #expect(try reply(#"{"reply": "a", "response": "b"}"#) == "a")
        #expect(try reply(#"{"message": "", "text": "t"}"#) == "t")
        #expect(try reply(#"{"output": "o", "status": 1}"#) == "o")
        #expect(try reply(#"{"data": {"response": "wrapped"}}"#) == "wrapped")
        #expect(try reply(#"{"reply": 3, "data": {"message": "m"}}"#) == "m")
        for bad in [#"{"answer": "x"}"#, "[]", "not json", #"{"data": "x"}"#] {
            do {
                _ = try reply(bad)
                Issue.record("no error for \(bad)")
            } catch {
                #expect(error.code == .malformed && !error.retryable)
            }
        }
    }

    @Test func statusErrorsAndExcerpts() {
        #expect(AgentCall.statusError(500, body: [], apiKey: nil).retryable)
        #expect(AgentCall.statusError(408, body: [], apiKey: nil).retryable)
        #expect(AgentCall.statusError(429, body: [], apiKey: nil).retryable)
        #expect(!AgentCall.statusError(404, body: [], apiKey: nil).retryable)
        let error = AgentCall.statusError(
            401, body: Array("bad\n\n key   sk-secret ".utf8) + Array(repeating: UInt8(ascii: "x"), count: 1000),
            apiKey: "sk-secret")
        #expect(error.status == 401 && error.code == .httpStatus)
        #expect(error.message.hasPrefix("status 401: bad key ******** xxx"))
        #expect(!error.message.contains("sk-secret") && error.message.count < 250)
    }

    @Test func badURLs() {
        for bad in ["", "ftp://x/v1", "/v1", "localhost:80/v1", "http://"] {
            #expect(throws: AgentError(.configuration, "not an absolute http(s) URL", retryable: false)) {
                try AgentCall.checkedURL(bad)
            }
        }
    }
}

/// The system message: prompt, identity line, knowledge within the size limit. No sockets.
@Suite("System prompt")
struct SystemPromptTests {
    let profile = AssistantProfile(
        assistantName: "Bruno", companyName: "Globex Dental", language: "pt-BR", timezone: "America/Sao_Paulo")

    @Test func promptIdentityThenKnowledge() {
        let text = SystemPrompt.make(
            prompt: "  Be brief.\n", profile: profile,
            knowledge: [KnowledgeItem(title: "Hours", text: "9-18"), KnowledgeItem(title: "Prices", text: "Ask.")])
        #expect(
            text == """
                Be brief.

                You are Bruno, the assistant of Globex Dental. Reply in Portuguese (pt-BR). Time zone: America/Sao_Paulo.

                ## Hours
                9-18

                ## Prices
                Ask.
                """)
    }

    @Test func noPromptNoKnowledge() {
        #expect(SystemPrompt.make(prompt: "", profile: .default, knowledge: []) == SystemPrompt.identityLine(.default))
        #expect(SystemPrompt.languageName("xx-YY") == "xx-YY")
    }

    @Test func knowledgeIsCutWholeItems() {
        let items = [
            KnowledgeItem(title: "A", text: String(repeating: "a", count: 50)),
            KnowledgeItem(title: "B", text: String(repeating: "b", count: 500)),
            KnowledgeItem(title: "C", text: String(repeating: "c", count: 50)),
        ]
        let limit = SystemPrompt.identityLine(profile).count + 130
        let text = SystemPrompt.make(prompt: "", profile: profile, knowledge: items, limit: limit)
        #expect(text.count <= limit)
        #expect(text.contains("## A\n" + String(repeating: "a", count: 50)))
        #expect(!text.contains("## B") && !text.contains("bbb"))
        #expect(text.contains("## C\n" + String(repeating: "c", count: 50)))
    }

    @Test func overlongPromptIsCutToTheLimit() {
        let text = SystemPrompt.make(
            prompt: String(repeating: "p", count: 50_000), profile: profile,
            knowledge: [KnowledgeItem(title: "A", text: "a")])
        #expect(text.count <= SystemPrompt.characterLimit)
        #expect(text.hasSuffix(SystemPrompt.identityLine(profile)))
    }
}

/// The chat-completions messages, bodies, answers, stream events and error objects. No sockets.
@Suite("Chat completions wire format")
struct ChatWireFormatTests {
    static let request = AgentRequest.sample

    @Test func chatMessages() {
        let messages = OpenAIChat.messages(for: Self.request, historyLimit: 2)
        #expect(messages.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(messages.map(\.content).dropFirst() == ["A question", "Go ahead", "Do you open on Sunday?"])
        #expect(messages[0].content.hasPrefix("Be brief.\n\nYou are Alice, the assistant of Acme Pet Care."))
        #expect(messages[0].content.hasSuffix("## Hours\nMon-Sat 9-18"))
        #expect(OpenAIChat.messages(for: Self.request, historyLimit: 0).count == 2)
    }

    @Test func chatBody() throws {
        let settings = OpenAIAgentSettings(baseURL: "http://x/v1", apiKey: nil, model: "m", temperature: 0.5)
        let body =
            try JSONSerialization.jsonObject(with: OpenAIChat.body(for: Self.request, settings: settings, stream: true))
            as? [String: Any] ?? [:]
        #expect(body["model"] as? String == "m" && body["stream"] as? Bool == true)
        #expect(body["temperature"] as? Double == 0.5)
        var plain = settings
        plain.temperature = nil
        let second =
            try JSONSerialization.jsonObject(with: OpenAIChat.body(for: Self.request, settings: plain, stream: false))
            as? [String: Any] ?? [:]
        #expect(second["temperature"] == nil && second["stream"] as? Bool == false)
    }

    @Test func chatAnswer() throws {
        #expect(
            try OpenAIChat.reply(fromAnswer: Data(#"{"choices":[{"message":{"content":"Hello"}}]}"#.utf8)) == "Hello")
        #expect(throws: AgentError.self) { try OpenAIChat.reply(fromAnswer: Data(#"{"choices":[]}"#.utf8)) }
        do {
            _ = try OpenAIChat.reply(
                fromAnswer: Data(#"{"error":{"message":"bad key sk-123","type":"invalid_request_error"}}"#.utf8),
                hiding: "sk-123")
            Issue.record("no error")
        } catch {
            #expect(error.code == .httpStatus && !error.retryable)
            #expect(error.message.contains("invalid_request_error: bad key ********"))
        }
    }

    @Test func streamEvents() throws {
        #expect(try OpenAIChat.streamEvent("[DONE]") == .done)
        #expect(try OpenAIChat.streamEvent(#"{"choices":[{"delta":{"content":"Hi"}}]}"#) == .piece("Hi"))
        #expect(try OpenAIChat.streamEvent(#"{"choices":[{"delta":{"role":"assistant"}}]}"#) == .nothing)
        #expect(
            try OpenAIChat.streamEvent(#"{"choices":[{"delta":{"content":""},"finish_reason":"stop"}]}"#) == .nothing)
        #expect(try OpenAIChat.streamEvent(#"{"choices":[],"usage":{"total_tokens":3}}"#) == .nothing)
        do {
            _ = try OpenAIChat.streamEvent("{oops")
            Issue.record("no error")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func errorObjects() {
        let overloaded = OpenAIChat.agentError(fromErrorObject: ["message": "busy", "type": "server_error"])
        #expect(overloaded.code == .httpStatus && overloaded.retryable && overloaded.status == nil)
        let limited = OpenAIChat.agentError(fromErrorObject: ["message": "slow down", "code": 429])
        #expect(limited.status == 429 && limited.retryable)
        let refused = OpenAIChat.agentError(fromErrorObject: [
            "message": "no", "type": "invalid_request_error", "code": 400,
        ])
        #expect(refused.status == 400 && !refused.retryable)
        #expect(OpenAIChat.agentError(fromErrorObject: "plain").message == "agent error: plain")
    }

    @Test func endpoint() throws {
        #expect(try OpenAIAgent.endpoint("http://127.0.0.1:9/v1/") == "http://127.0.0.1:9/v1/chat/completions")
        #expect(try OpenAIAgent.endpoint("https://api.example/v1") == "https://api.example/v1/chat/completions")
    }
}
