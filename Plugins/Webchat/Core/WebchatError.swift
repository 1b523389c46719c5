// Web chat domain rules as plain types: sessions, origins, rate limits, the widget.
// No I/O here: the plugin target does the HTTP and storage.
import SwitchboardSDK

/// A refusal of a widget API request: an HTTP status and a JSON body naming the field at fault.
public struct WebchatError: Error, Sendable, Equatable {
    /// A stable machine-readable reason.
    public enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case unknownField = "unknown_field"
        case tooLarge = "too_large"
        case originRefused = "origin_refused"
        case rateLimited = "rate_limited"
        case sessionNotFound = "session_not_found"
        case notFound = "not_found"
        case agentFailed = "agent_failed"
        case timeout = "timeout"
        case unavailable = "unavailable"
    }

    public var status: Int
    public var code: Code
    public var message: String
    /// The request field at fault, when there is one.
    public var field: String?
    /// Seconds to wait before trying again (429).
    public var retryAfter: Int?

    public init(status: Int, code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// `{"error": code, "message": …, "field": …, "retry_after": …}`.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "error", value: .string(code.rawValue)), (key: "message", value: .string(message)),
        ]
        if let field { members.append((key: "field", value: .string(field))) }
        if let retryAfter { members.append((key: "retry_after", value: .integer(Int64(retryAfter)))) }
        return .object(members)
    }

    /// Extra response headers (`Retry-After` for 429).
    public var headers: [HTTPHeader] {
        retryAfter.map { [HTTPHeader("Retry-After", String($0))] } ?? []
    }

    static func invalid(_ field: String, _ message: String) -> WebchatError {
        WebchatError(status: 422, code: .invalidField, message, field: field)
    }
}
