import AsyncHTTPClient
import Foundation
import Hummingbird
import Testing

@testable import SwitchboardHost

/// The network agents against real HTTP servers on loopback speaking each wire format. Only the
/// time-outs depend on the clock, with generous margins.
@Suite("Agent backends")
struct AgentBackendTests {
    static let request = AgentRequest.sample

    static let key = "sk-test-0123456789"

    /// The error an agent call ends with (nil when it succeeds).
    static func failure<T>(_ call: () async throws -> T) async -> AgentError? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error as? AgentError
        }
    }

    /// Every piece a stream yields, and the error it ends with.
    static func drain(_ stream: AsyncThrowingStream<String, any Error>) async -> ([String], AgentError?) {
        var pieces: [String] = []
        do {
            for try await piece in stream { pieces.append(piece) }
            return (pieces, nil)
        } catch {
            return (
                pieces, error as? AgentError ?? AgentError(.transport, "not an AgentError: \(error)", retryable: false)
            )
        }
    }

    // MARK: - Agent API (seed 004)

    func httpAgent(_ server: StubServer, timeout: Duration = .seconds(20)) -> HTTPAgent {
        HTTPAgent(
            settings: HTTPAgentSettings(
                url: server.url("/agent/run"), apiKey: Self.key, agent: "support", sessionPrefix: "acme-",
                timeout: timeout),
            httpClient: .shared)
    }

    @Test func agentAPIReply() async throws {
        try await StubServer.with({ _ in .text(#"{"data": {"response": "We open at 10."}, "status": "ok"}"#) }) {
            server in
            #expect(try await httpAgent(server).reply(to: Self.request) == "We open at 10.")
            let received = try #require(server.requests.first)
            #expect(received.path == "/agent/run")
            #expect(received.header("Authorization") == "Bearer \(Self.key)")
            #expect(received.header("Content-Type") == "application/json")
            #expect(
                received.json.compactMapValues { $0 as? String } == [
                    "agent": "support", "session_id": "acme-5511999@s.whatsapp.net",
                    "message": "Do you open on Sunday?", "tenant": "acme", "channel": "evolution",
                    "instance": "acme-wa", "conversation_id": "conv-1", "contact_name": "Ana",
                ])
            #expect(received.json.count == 8)
        }
    }

    @Test func agentAPIWithoutKeyAndStreamedOnce() async throws {
        try await StubServer.with({ _ in .text(#"{"reply": "Yes."}"#) }) { server in
            let agent = HTTPAgent(
                settings: HTTPAgentSettings(url: server.url("/run"), apiKey: nil, agent: "a"), httpClient: .shared)
            let (pieces, error) = await Self.drain(agent.stream(Self.request))
            #expect(pieces == ["Yes."] && error == nil)
            #expect(server.requests.first?.header("Authorization") == nil)
        }
    }

    @Test func agentAPIServerErrorIsRetryable() async throws {
        // The server echoes the key: the error must not.
        try await StubServer.with({ received in
            .text("upstream failed for \(received.header("Authorization") ?? "")", status: .internalServerError)
        }) { server in
            let error = try #require(await Self.failure { try await httpAgent(server).reply(to: Self.request) })
            #expect(error.code == .httpStatus && error.status == 500 && error.retryable)
            #expect(error.message.contains("upstream failed for Bearer ********"))
            #expect(!error.message.contains(Self.key))
        }
    }

    @Test func agentAPIClientErrorIsFinal() async throws {
        try await StubServer.with({ _ in .text(#"{"detail": "unknown agent"}"#, status: .badRequest) }) { server in
            let error = try #require(await Self.failure { try await httpAgent(server).reply(to: Self.request) })
            #expect(error.code == .httpStatus && error.status == 400 && !error.retryable)
            #expect(error.message.contains("unknown agent"))
        }
    }

    @Test func agentAPIMalformedAnswers() async throws {
        for answer in ["<html>oops</html>", #"{"result": 42}"#] {
            try await StubServer.with({ _ in .text(answer) }) { server in
                let error = try #require(await Self.failure { try await httpAgent(server).reply(to: Self.request) })
                #expect(error.code == .malformed && !error.retryable)
            }
        }
    }

    @Test func agentAPITimeout() async throws {
        let release = Gate()
        try await StubServer.with({ _ in
            await release.wait()
            return .text(#"{"reply": "too late"}"#)
        }) { server in
            let start = ContinuousClock.now
            let error = await Self.failure {
                try await httpAgent(server, timeout: .milliseconds(300)).reply(to: Self.request)
            }
            #expect(error?.code == .timeout && error?.retryable == true)
            #expect(ContinuousClock.now - start < .seconds(10))
            release.open()
        }
    }

    @Test func agentAPIConnectionRefused() async throws {
        // Connection establishment is retried until the client's connect timeout: keep it short.
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(timeout: .init(connect: .milliseconds(500))))
        let agent = HTTPAgent(
            settings: HTTPAgentSettings(url: "http://127.0.0.1:1/run", apiKey: nil, agent: "a", timeout: .seconds(30)),
            httpClient: client)
        let error = await Self.failure { try await agent.reply(to: Self.request) }
        try await client.shutdown()
        #expect(error?.code == .transport && error?.retryable == true)
    }

    @Test func agentAPIBadURL() async {
        let agent = HTTPAgent(
            settings: HTTPAgentSettings(url: "agents.example/run", apiKey: nil, agent: "a"), httpClient: .shared)
        let error = await Self.failure { try await agent.reply(to: Self.request) }
        #expect(error?.code == .configuration && error?.retryable == false)
    }
}
