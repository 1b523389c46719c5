import AsyncHTTPClient
import Foundation

/// Seed 004's Agent API: `POST {url}` with a JSON message, a JSON answer holding the reply.
///
/// The request body: `{"agent", "session_id": sessionPrefix + contact, "message", "tenant",
/// "channel", "instance", "conversation_id", "contact_name"?}`. The reply is the first non-empty
/// string among `reply`, `response`, `message`, `text` and `output`, at the top level or inside a
/// `data` object. The settings' timeout bounds the whole call. It does not stream: ``stream(_:)``
/// yields the whole reply once.
public struct HTTPAgent: AgentBackend {
    public let settings: HTTPAgentSettings
    let client: HTTPClient

    /// The answer fields that may hold the reply, in order of preference.
    static let replyFields = ["reply", "response", "message", "text", "output"]

    public init(settings: HTTPAgentSettings, httpClient: HTTPClient) {
        self.settings = settings
        self.client = httpClient
    }

    public func reply(to request: AgentRequest) async throws -> String {
        try await AgentCall.bounded(settings.timeout) {
            let post = AgentCall.post(
                try AgentCall.checkedURL(settings.url), apiKey: settings.apiKey,
                json: try Self.body(for: request, settings: settings))
            let response = try await AgentCall.send(
                post, client: client, timeout: settings.timeout, apiKey: settings.apiKey)
            return try Self.reply(fromAnswer: try await AgentCall.collect(response))
        }
    }

    struct Body: Encodable {
        var agent: String
        var sessionId: String
        var message: String
        var tenant: String
        var channel: String
        var instance: String
        var conversationId: String
        var contactName: String?

        enum CodingKeys: String, CodingKey {
            case agent, message, tenant, channel, instance
            case sessionId = "session_id"
            case conversationId = "conversation_id"
            case contactName = "contact_name"
        }
    }

    /// The JSON request body for `request`.
    static func body(for request: AgentRequest, settings: HTTPAgentSettings) throws -> Data {
        try JSONEncoder().encode(
            Body(
                agent: settings.agent, sessionId: settings.sessionPrefix + request.contact, message: request.message,
                tenant: request.tenantSlug, channel: request.channel, instance: request.instance,
                conversationId: request.conversationId, contactName: request.contactName))
    }

    /// The reply in an answer body, or a `malformed` error.
    static func reply(fromAnswer data: Data) throws(AgentError) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AgentError(.malformed, "answer is not a JSON object", retryable: false)
        }
        for candidate in [object, object["data"] as? [String: Any] ?? [:]] {
            for field in replyFields {
                if let reply = candidate[field] as? String, !reply.isEmpty { return reply }
            }
        }
        throw AgentError(
            .malformed, "answer has no reply (one of \(replyFields.joined(separator: ", ")))", retryable: false)
    }
}
