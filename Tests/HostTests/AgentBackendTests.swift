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

    // MARK: - OpenAI-compatible

    func openAI(_ server: StubServer, timeout: Duration = .seconds(20), historyLimit: Int = 2) -> OpenAIAgent {
        OpenAIAgent(
            settings: OpenAIAgentSettings(
                baseURL: server.url("/v1/"), apiKey: Self.key, model: "test-model", timeout: timeout,
                historyLimit: historyLimit, temperature: 0.3),
            httpClient: .shared)
    }

    @Test func chatReply() async throws {
        let answer =
            #"{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sunday: closed."}}]}"#
        try await StubServer.with({ _ in .text(answer) }) { server in
            #expect(try await openAI(server).reply(to: Self.request) == "Sunday: closed.")
            let received = try #require(server.requests.first)
            #expect(received.path == "/v1/chat/completions")
            #expect(received.header("Authorization") == "Bearer \(Self.key)")
            #expect(received.json["model"] as? String == "test-model")
            #expect(received.json["stream"] as? Bool == false)
            #expect(received.json["temperature"] as? Double == 0.3)
            let messages = received.json["messages"] as? [[String: String]] ?? []
            #expect(messages.map { $0["role"] ?? "" } == ["system", "user", "assistant", "user"])
            #expect(
                messages.dropFirst().map { $0["content"] ?? "" } == [
                    "A question", "Go ahead", "Do you open on Sunday?",
                ])
            #expect(
                messages.first?["content"]
                    == "Be brief.\n\nYou are Alice, the assistant of Acme Pet Care. Reply in English (en). "
                    + "Time zone: America/New_York.\n\n## Hours\nMon-Sat 9-18")
        }
    }

    @Test func chatStreamsPiecesAsTheyArrive() async throws {
        let firstSent = Gate()
        let release = Gate()
        try await StubServer.with({ _ in
            .events { events in
                events.send(": connected\r\n\r\n")
                events.send(#"data: {"choices":[{"delta":{"role":"assistant"}}]}"# + "\r\n\r\n")
                events.piece("We ")
                firstSent.open()
                await release.wait()
                for piece in ["open ", "at ", "10 ", "on Sundays."] {
                    try await Task.sleep(for: .milliseconds(20))
                    events.piece(piece)
                }
                try await Task.sleep(for: .milliseconds(20))
                // An event split across writes, then [DONE] split mid-line.
                events.send(#"data: {"choices":[{"delta":{"content":" "#)
                try await Task.sleep(for: .milliseconds(20))
                events.send(#"Bye."}}]}"# + "\n\ndata: [DO")
                try await Task.sleep(for: .milliseconds(20))
                events.send("NE]\n\n")
            }
        }) { server in
            var iterator = openAI(server).stream(Self.request).makeAsyncIterator()
            // The first piece arrives while the server still holds the rest.
            #expect(try await iterator.next() == "We ")
            #expect(!release.isOpen)
            release.open()
            var rest: [String] = []
            while let piece = try await iterator.next() { rest.append(piece) }
            #expect(rest == ["open ", "at ", "10 ", "on Sundays.", " Bye."])
            #expect(server.requests.first?.json["stream"] as? Bool == true)
            #expect(server.requests.first?.header("Accept") == "text/event-stream")
        }
        #expect(firstSent.isOpen)
    }

    @Test func chatStreamStopsAtDone() async throws {
        try await StubServer.with({ _ in
            .events { events in
                events.piece("all")
                events.done()
                events.piece("ignored")
            }
        }) { server in
            let (pieces, error) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces == ["all"] && error == nil)
        }
    }

    @Test func chatStreamBrokenMidway() async throws {
        try await StubServer.with({ _ in
            .events { events in
                events.piece("half ")
                events.piece("an answer")
            }
        }) { server in
            let (pieces, error) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces == ["half ", "an answer"])
            #expect(error?.code == .malformed && error?.retryable == false)
        }
    }

    @Test func chatStreamInvalidJSON() async throws {
        try await StubServer.with({ _ in
            .events { events in
                events.piece("one")
                events.send("data: {not json\n\n")
                events.done()
            }
        }) { server in
            let (pieces, error) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces == ["one"])
            #expect(error?.code == .malformed)
        }
    }

    @Test func chatStreamErrorEvent() async throws {
        try await StubServer.with({ _ in
            .events { events in
                events.piece("Let me")
                events.send(#"data: {"error": {"message": "model overloaded", "type": "server_error"}}"# + "\n\n")
            }
        }) { server in
            let (pieces, error) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces == ["Let me"])
            #expect(error?.code == .httpStatus && error?.retryable == true)
            #expect(error?.message.contains("model overloaded") == true)
        }
    }

    @Test func chatServerError() async throws {
        try await StubServer.with({ _ in
            .text(#"{"error": {"message": "boom", "type": "server_error"}}"#, status: .internalServerError)
        }) { server in
            let replyError = await Self.failure { try await openAI(server).reply(to: Self.request) }
            #expect(replyError?.status == 500 && replyError?.retryable == true)
            let (pieces, streamError) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces.isEmpty && streamError?.status == 500 && streamError?.retryable == true)
            #expect(streamError?.message.contains("boom") == true)
        }
    }

    @Test func chatStreamAnsweredWithJSON() async throws {
        try await StubServer.with({ _ in .text(#"{"choices": [{"message": {"content": "whole"}}]}"#) }) { server in
            let (pieces, error) = await Self.drain(openAI(server).stream(Self.request))
            #expect(pieces == ["whole"] && error == nil)
        }
    }

    @Test func chatTimeouts() async throws {
        let release = Gate()
        try await StubServer.with({ received in
            if received.json["stream"] as? Bool == true {
                return .events { events in
                    events.piece("slow")
                    await release.wait()
                }
            }
            await release.wait()
            return .text("{}")
        }) { server in
            let agent = openAI(server, timeout: .milliseconds(1500))
            let start = ContinuousClock.now
            let replyError = await Self.failure { try await agent.reply(to: Self.request) }
            #expect(replyError?.code == .timeout && replyError?.retryable == true)
            // The timeout bounds the whole stream, not only the time to the first byte. (Under a
            // heavily loaded machine the first piece may itself arrive after the timeout.)
            let (pieces, streamError) = await Self.drain(agent.stream(Self.request))
            #expect(pieces.allSatisfy { $0 == "slow" } && pieces.count <= 1 && streamError?.code == .timeout)
            #expect(ContinuousClock.now - start < .seconds(15))
            release.open()
        }
    }

    @Test func cancellingTheConsumerCancelsTheRequest() async throws {
        let clientGone = Gate()
        try await StubServer.with({ _ in
            .events { events in
                events.piece("first")
                do {
                    for _ in 0..<1000 {
                        try await Task.sleep(for: .milliseconds(20))
                        events.send(": still here\n\n")
                    }
                } catch {
                    clientGone.open()
                    throw error
                }
            }
        }) { server in
            let stream = openAI(server).stream(Self.request)
            let firstPiece = Gate()
            let consumer = Task {
                for try await _ in stream { firstPiece.open() }
            }
            #expect(await firstPiece.wait(atMost: .seconds(10)))
            consumer.cancel()
            _ = await consumer.result
            #expect(await clientGone.wait(atMost: .seconds(10)))
        }
    }
}
