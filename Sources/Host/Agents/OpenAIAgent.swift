import AsyncHTTPClient
import Foundation

/// Any OpenAI-compatible chat-completions endpoint: `POST {baseURL}/chat/completions` with the
/// system message (``SystemPrompt``), the last `historyLimit` turns and the new message.
///
/// ``reply(to:)`` asks for the whole answer; ``stream(_:)`` asks for server-sent events and
/// yields each `choices[0].delta.content` piece as it arrives. The settings' timeout bounds the
/// whole call in both: from sending the request to the last piece (so also the time to the first
/// byte). A stream cut by the timeout ends with a retryable `timeout` error after the pieces
/// already yielded. Cancelling the consumer of ``stream(_:)`` cancels the HTTP request.
public struct OpenAIAgent: AgentBackend {
    public let settings: OpenAIAgentSettings
    let client: HTTPClient

    public init(settings: OpenAIAgentSettings, httpClient: HTTPClient) {
        self.settings = settings
        self.client = httpClient
    }

    public func reply(to request: AgentRequest) async throws -> String {
        try await AgentCall.bounded(settings.timeout) {
            let response = try await send(request, stream: false)
            return try OpenAIChat.reply(fromAnswer: try await AgentCall.collect(response), hiding: settings.apiKey)
        }
    }

    public func stream(_ request: AgentRequest) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await AgentCall.bounded(settings.timeout) {
                        try await streamPieces(request) { continuation.yield($0) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `{baseURL}/chat/completions`; trailing slashes on the base are tolerated.
    static func endpoint(_ baseURL: String) throws(AgentError) -> String {
        var base = baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        return try AgentCall.checkedURL(base + "/chat/completions")
    }

    private func send(_ request: AgentRequest, stream: Bool) async throws -> HTTPClientResponse {
        let post = AgentCall.post(
            try Self.endpoint(settings.baseURL), apiKey: settings.apiKey,
            json: try OpenAIChat.body(for: request, settings: settings, stream: stream),
            accept: stream ? "text/event-stream" : "application/json")
        return try await AgentCall.send(post, client: client, timeout: settings.timeout, apiKey: settings.apiKey)
    }

    /// Send a streaming request and hand each piece to `yield` as its event completes. A server
    /// that answers with JSON instead of events has its whole reply yielded once.
    private func streamPieces(_ request: AgentRequest, yield: @Sendable (String) -> Void) async throws {
        let response = try await send(request, stream: true)
        if response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("application/json") == true {
            yield(try OpenAIChat.reply(fromAnswer: try await AgentCall.collect(response), hiding: settings.apiKey))
            return
        }
        var parser = ServerSentEvents()
        do {
            for try await chunk in response.body {
                for event in try parser.feed(chunk.readableBytesView) {
                    if try handle(event, yield) { return }
                }
            }
        } catch let error as AgentError {
            throw error
        } catch let error where !Task.isCancelled && !(error is CancellationError) {
            throw AgentError(.malformed, "stream broken before [DONE]: \(error)", retryable: false)
        }
        if let last = parser.finish(), try handle(last, yield) { return }
        throw AgentError(.malformed, "stream ended without [DONE]", retryable: false)
    }

    /// Yield the event's piece, if any; true when the event ends the stream.
    private func handle(_ event: ServerSentEvents.Event, _ yield: (String) -> Void) throws(AgentError) -> Bool {
        switch try OpenAIChat.streamEvent(event.data, hiding: settings.apiKey) {
        case .piece(let text):
            yield(text)
            return false
        case .nothing:
            return false
        case .done:
            return true
        }
    }
}
