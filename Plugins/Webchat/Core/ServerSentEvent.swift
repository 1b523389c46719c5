import SwitchboardSDK

/// One event of a `POST /chat` stream: `session` first, then `token`s, then `done` or `error`.
public struct ServerSentEvent: Sendable, Equatable {
    public enum Name: String, Sendable {
        /// `{"session_id", "message_id"}`: the session the message went to.
        case session
        /// `{"text", "index"}`: the next piece of the reply.
        case token
        /// `{"session_id", "reply", "message_id", "reply_to"}`: the finished reply.
        case done
        /// `{"error", "message", "retrying"}`: `retrying` true means tokens start again from index 0.
        case error
    }

    public var name: Name
    public var data: JSONValue

    public init(_ name: Name, _ data: JSONValue) {
        self.name = name
        self.data = data
    }

    /// `event: NAME\ndata: JSON\n\n` (the JSON is one line: its strings escape line breaks).
    public var encoded: String {
        "event: \(name.rawValue)\ndata: \(data.jsonString)\n\n"
    }

    /// A piece of the reply.
    public static func token(_ text: String, index: Int) -> ServerSentEvent {
        ServerSentEvent(.token, ["text": .string(text), "index": .integer(Int64(index))])
    }

    /// The finished reply.
    public static func done(_ reply: FinishedReply) -> ServerSentEvent {
        ServerSentEvent(.done, reply.json)
    }

    /// A failure; the stream ends unless `retrying`.
    public static func error(_ error: WebchatError, retrying: Bool = false) -> ServerSentEvent {
        ServerSentEvent(
            .error,
            ["error": .string(error.code.rawValue), "message": .string(error.message), "retrying": .bool(retrying)])
    }
}

/// A finished reply as the API shows it.
public struct FinishedReply: Sendable, Equatable {
    public var sessionID: SessionID
    /// nil when no assistant answers (the message was stored for staff).
    public var reply: String?
    /// The reply's message id (nil without a reply).
    public var messageID: String?
    /// The visitor's message it answers.
    public var replyTo: String

    public init(sessionID: SessionID, reply: String?, messageID: String?, replyTo: String) {
        self.sessionID = sessionID
        self.reply = reply
        self.messageID = messageID
        self.replyTo = replyTo
    }

    /// `{"session_id", "reply", "message_id", "reply_to"}`.
    public var json: JSONValue {
        [
            "session_id": .string(sessionID.rawValue), "reply": reply.map(JSONValue.string) ?? .null,
            "message_id": messageID.map(JSONValue.string) ?? .null, "reply_to": .string(replyTo),
        ]
    }
}
