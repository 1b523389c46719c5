import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP plumbing the network agents share: the POST, the time bound, the status check and
/// the translation of every failure into an ``AgentError``.
enum AgentCall {
    /// The largest answer body read whole (a JSON reply): 1 MiB.
    static let maxAnswerBytes = 1 << 20
    /// How much of an error body goes into an ``AgentError`` message.
    static let excerptCharacters = 200

    /// The URL, or a `configuration` error when it is not an absolute http(s) URL.
    static func checkedURL(_ string: String) throws(AgentError) -> String {
        guard let url = URL(string: string), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw AgentError(.configuration, "not an absolute http(s) URL", retryable: false)
        }
        return string
    }

    /// A JSON POST with the bearer key when there is one.
    static func post(_ url: String, apiKey: String?, json: Data, accept: String = "application/json")
        -> HTTPClientRequest
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: json))
        return request
    }

    /// Send `request` and return the response when its status is 2xx; otherwise throw an
    /// `httpStatus` error carrying an excerpt of the body (with `apiKey` masked).
    static func send(
        _ request: HTTPClientRequest, client: HTTPClient, timeout: Duration, apiKey: String?
    ) async throws -> HTTPClientResponse {
        let response = try await client.execute(request, deadline: .now() + timeAmount(timeout))
        guard (200..<300).contains(response.status.code) else {
            throw statusError(Int(response.status.code), body: try await prefix(of: response.body), apiKey: apiKey)
        }
        return response
    }

    /// The whole body, at most ``maxAnswerBytes`` (more is a `malformed` error).
    static func collect(_ response: HTTPClientResponse) async throws -> Data {
        do {
            return Data(try await response.body.collect(upTo: maxAnswerBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw AgentError(.malformed, "answer larger than \(maxAnswerBytes) bytes", retryable: false)
        }
    }

    /// Run `operation` bounded by `timeout`: when it elapses the operation is cancelled (and its
    /// HTTP request with it) and a retryable `timeout` error thrown. Every other failure comes
    /// out as an ``AgentError``, except the caller's own cancellation (`CancellationError`).
    static func bounded<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw timedOut(timeout)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            throw agentError(error, timeout: timeout)
        }
    }

    /// Any failure as an ``AgentError``; the caller's cancellation stays a `CancellationError`.
    static func agentError(_ error: any Error, timeout: Duration) -> any Error {
        if Task.isCancelled { return CancellationError() }
        switch error {
        case let error as AgentError:
            return error
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout:
                return timedOut(timeout)
            case .invalidURL, .emptyHost, .emptyScheme:
                return AgentError(.configuration, "bad URL: \(error)", retryable: false)
            default:
                return AgentError(.transport, "\(error)", retryable: true)
            }
        case is ServerSentEvents.TooLarge:
            return AgentError(.malformed, "\(error)", retryable: false)
        default:
            return AgentError(.transport, "\(error)", retryable: true)
        }
    }

    static func timedOut(_ timeout: Duration) -> AgentError {
        AgentError(.timeout, "no complete answer within \(timeout)", retryable: true)
    }

    /// A non-2xx answer: retryable for 5xx, 408 and 429.
    static func statusError(_ status: Int, body: [UInt8], apiKey: String?) -> AgentError {
        let text = excerpt(body, hiding: apiKey)
        return AgentError(
            .httpStatus, text.isEmpty ? "status \(status)" : "status \(status): \(text)", status: status,
            retryable: status >= 500 || status == 408 || status == 429)
    }

    /// At most ``excerptCharacters`` of `body` on one line, with `secret` masked.
    static func excerpt(_ body: [UInt8], hiding secret: String?) -> String {
        var text = String(decoding: body, as: UTF8.self)
        if let secret, !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "********") }
        text = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return text.count > excerptCharacters ? String(text.prefix(excerptCharacters)) + "…" : text
    }

    /// The first few KiB of a body, enough for an excerpt; the rest is not read.
    private static func prefix(of body: HTTPClientResponse.Body) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            bytes += chunk.readableBytesView
            if bytes.count >= 4096 { break }
        }
        return bytes
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
