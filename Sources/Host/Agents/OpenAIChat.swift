import Foundation

/// The OpenAI chat-completions wire format as the OpenAI agent speaks it: the request body, the
/// answer and the streamed events. Pure: no I/O.
enum OpenAIChat {
    struct Message: Encodable, Equatable {
        var role: String
        var content: String
    }

    struct Body: Encodable {
        var model: String
        var messages: [Message]
        var temperature: Double?
        var stream: Bool
    }

    /// The system message, the last `historyLimit` turns, then the new message.
    static func messages(for request: AgentRequest, historyLimit: Int) -> [Message] {
        let system = SystemPrompt.make(prompt: request.prompt, profile: request.profile, knowledge: request.knowledge)
        let history = request.history.suffix(max(historyLimit, 0)).map {
            Message(role: $0.role.rawValue, content: $0.text)
        }
        return [Message(role: "system", content: system)] + history + [Message(role: "user", content: request.message)]
    }

    static func body(for request: AgentRequest, settings: OpenAIAgentSettings, stream: Bool) throws -> Data {
        try JSONEncoder().encode(
            Body(
                model: settings.model, messages: messages(for: request, historyLimit: settings.historyLimit),
                temperature: settings.temperature, stream: stream))
    }

    /// `choices[0].message.content` of a whole answer, or the answer's `error`, or `malformed`.
    static func reply(fromAnswer data: Data, hiding secret: String? = nil) throws(AgentError) -> String {
        let object = try jsonObject(data, what: "answer")
        if let error = object["error"] { throw agentError(fromErrorObject: error, hiding: secret) }
        guard let content = firstChoice(object)?["message"].flatMap({ $0 as? [String: Any] })?["content"] as? String
        else {
            throw AgentError(.malformed, "answer has no choices[0].message.content", retryable: false)
        }
        return content
    }

    /// What one streamed event means.
    enum StreamEvent: Equatable {
        /// A piece of the reply (never empty).
        case piece(String)
        /// An event with nothing for the reader (a role, a finish reason, usage).
        case nothing
        /// `data: [DONE]`: the reply is complete.
        case done
    }

    /// Interpret the data of one event: `[DONE]`, a `choices[0].delta.content` piece, an `error`
    /// object (thrown as an ``AgentError``) or invalid JSON (`malformed`).
    static func streamEvent(_ data: String, hiding secret: String? = nil) throws(AgentError) -> StreamEvent {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" { return .done }
        let object = try jsonObject(Data(data.utf8), what: "stream event")
        if let error = object["error"] { throw agentError(fromErrorObject: error, hiding: secret) }
        guard let delta = firstChoice(object)?["delta"] as? [String: Any], let content = delta["content"] as? String,
            !content.isEmpty
        else { return .nothing }
        return .piece(content)
    }

    /// An `error` object (`{"message", "type", "code"}`, or a bare string) as an ``AgentError``:
    /// `http_status`, with the status when the object carries a numeric one, retryable for 5xx,
    /// 408, 429 and for server, rate-limit, overload and timeout types. `secret` is masked in the message.
    static func agentError(fromErrorObject value: Any, hiding secret: String? = nil) -> AgentError {
        let object = value as? [String: Any] ?? [:]
        let message = (value as? String) ?? (object["message"] as? String) ?? "error without a message"
        let type = (object["type"] as? String) ?? (object["code"] as? String) ?? ""
        let status = [object["status"], object["code"]].lazy.compactMap { $0.flatMap(statusNumber) }.first
        let retryableType = ["server_error", "rate_limit", "overloaded", "timeout"].contains { type.contains($0) }
        let retryableStatus = status.map { $0 >= 500 || $0 == 408 || $0 == 429 } ?? false
        let text = AgentCall.excerpt(Array((type.isEmpty ? message : "\(type): \(message)").utf8), hiding: secret)
        return AgentError(
            .httpStatus, "agent error: \(text)", status: status, retryable: retryableType || retryableStatus)
    }

    private static func statusNumber(_ value: Any) -> Int? {
        guard !(value is String), !SettingsSchema.isBool(value), let number = value as? NSNumber else { return nil }
        let status = number.intValue
        return (100..<600).contains(status) ? status : nil
    }

    private static func firstChoice(_ object: [String: Any]) -> [String: Any]? {
        (object["choices"] as? [Any])?.first as? [String: Any]
    }

    private static func jsonObject(_ data: Data, what: String) throws(AgentError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AgentError(.malformed, "\(what) is not a JSON object", retryable: false)
        }
        return object
    }
}
