import SwitchboardSDK

/// The limits a chat request is checked against.
public struct MessageLimits: Sendable, Equatable {
    /// The largest accepted message, in UTF-8 bytes.
    public var maxMessageBytes: Int

    public init(maxMessageBytes: Int = 4000) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// The largest accepted body: room for the message escaped as JSON, plus the other fields.
    public var maxBodyBytes: Int { maxMessageBytes * 6 + 1024 }
}

/// A validated `POST /chat` body: `{"session_id"?, "message", "stream"?}`.
public struct ChatRequest: Sendable, Equatable {
    public var sessionID: SessionID?
    public var message: String
    public var stream: Bool

    static let fields: Set<String> = ["session_id", "message", "stream"]

    public init(sessionID: SessionID? = nil, message: String, stream: Bool = false) {
        self.sessionID = sessionID
        self.message = message
        self.stream = stream
    }

    /// Parse and check a request body; every refusal names its field.
    public init(body: [UInt8], limits: MessageLimits) throws(WebchatError) {
        guard body.count <= limits.maxBodyBytes else {
            throw WebchatError(
                status: 413, code: .tooLarge, "the request body is larger than \(limits.maxBodyBytes) bytes",
                field: "body")
        }
        guard let json = try? JSONValue(parsing: body), let members = json.objectMembers else {
            throw WebchatError(status: 400, code: .invalidJSON, "the body must be a JSON object", field: "body")
        }
        if let unknown = members.first(where: { !Self.fields.contains($0.key) }) {
            throw WebchatError(
                status: 422, code: .unknownField, "unknown field \"\(unknown.key)\"", field: unknown.key)
        }
        self.message = try Self.message(json["message"], limits: limits)
        self.stream = try Self.stream(json["stream"])
        self.sessionID = try Self.session(json["session_id"])
    }

    static func message(_ value: JSONValue?, limits: MessageLimits) throws(WebchatError) -> String {
        guard let value, !value.isNull else {
            throw WebchatError(status: 422, code: .missingField, "message is required", field: "message")
        }
        guard let text = value.stringValue else { throw .invalid("message", "message must be a string") }
        guard text.utf8.count <= limits.maxMessageBytes else {
            throw WebchatError(
                status: 413, code: .tooLarge, "message is longer than \(limits.maxMessageBytes) bytes",
                field: "message")
        }
        let trimmed = text.trimmedWhitespace
        guard !trimmed.isEmpty else { throw .invalid("message", "message must not be empty") }
        return trimmed
    }

    static func stream(_ value: JSONValue?) throws(WebchatError) -> Bool {
        guard let value, !value.isNull else { return false }
        guard let flag = value.boolValue else { throw .invalid("stream", "stream must be true or false") }
        return flag
    }

    static func session(_ value: JSONValue?) throws(WebchatError) -> SessionID? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let id = SessionID(text) else {
            throw .invalid("session_id", "session_id is not a session id this server issued")
        }
        return id
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmedWhitespace: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
