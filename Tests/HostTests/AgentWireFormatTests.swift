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
