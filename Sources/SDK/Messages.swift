/// An instance's configuration (the host's InstanceConfig JSON).
///
/// `description` lists secret names only, never their values.
public struct InstanceConfig: Sendable, Equatable, CustomStringConvertible {
    public var tenant: String
    /// The instance's name (used in its URL).
    public var instance: String
    public var plugin: String
    /// True for the tenant's default instance of this plugin (it answers alias routes).
    public var isDefault: Bool
    /// The operator's settings, validated by the host against the plugin's settings schema.
    public var settings: JSONValue
    /// Secret settings (tokens, keys).
    public var secrets: JSONValue

    public init(
        tenant: String, instance: String, plugin: String, isDefault: Bool = false,
        settings: JSONValue = .emptyObject, secrets: JSONValue = .emptyObject
    ) {
        self.tenant = tenant
        self.instance = instance
        self.plugin = plugin
        self.isDefault = isDefault
        self.settings = settings
        self.secrets = secrets
    }

    /// Decode the host's JSON object.
    public init(json: JSONValue) throws {
        guard json.objectMembers != nil else {
            throw PluginError(.invalidArgument, "instance configuration is not a JSON object")
        }
        self.init(
            tenant: json["tenant"]?.stringValue ?? "",
            instance: json["instance"]?.stringValue ?? "",
            plugin: json["plugin"]?.stringValue ?? "",
            isDefault: json["is_default"]?.boolValue ?? false,
            settings: json["settings"] ?? .emptyObject,
            secrets: json["secrets"] ?? .emptyObject)
    }

    public var description: String {
        let secretNames = secrets.objectMembers?.map(\.key) ?? []
        return "InstanceConfig(tenant: \(tenant), instance: \(instance), plugin: \(plugin), "
            + "isDefault: \(isDefault), settings: \(settings), secrets: \(secretNames))"
    }
}

/// One outbound message to send on the channel (`on_send`): a view over the
/// host's JSON `{"to", "text", "message_id", "conversation_id", "thread_key", "metadata"}`.
public struct OutboundMessage: Sendable {
    /// The whole JSON object as the host sent it (`.null` for an empty message).
    public var json: JSONValue

    public init(json: JSONValue) {
        self.json = json
    }

    public init(
        to: String, text: String, messageID: String? = nil, conversationID: String? = nil,
        threadKey: String? = nil, metadata: JSONValue? = nil
    ) {
        var m: [(key: String, value: JSONValue)] = [
            (key: "to", value: .string(to)), (key: "text", value: .string(text)),
        ]
        if let messageID { m.append((key: "message_id", value: .string(messageID))) }
        if let conversationID { m.append((key: "conversation_id", value: .string(conversationID))) }
        if let threadKey { m.append((key: "thread_key", value: .string(threadKey))) }
        if let metadata { m.append((key: "metadata", value: metadata)) }
        self.json = .object(m)
    }

    /// The recipient's address on the channel ("" when absent).
    public var to: String { json["to"]?.stringValue ?? "" }
    /// The text to send ("" when absent).
    public var text: String { json["text"]?.stringValue ?? "" }
    public var messageID: String? { json["message_id"]?.stringValue }
    public var conversationID: String? { json["conversation_id"]?.stringValue }
    public var threadKey: String? { json["thread_key"]?.stringValue }
    /// Channel-specific extras (`.null` when absent).
    public var metadata: JSONValue { json["metadata"] ?? .null }
}

/// The result of `ChannelInstance.send`, written to the host as
/// `{"external_id": "...", "status": "sent"}`.
public struct SendResult: Sendable, Equatable {
    /// What the channel did with the message.
    public enum Status: String, Sendable {
        /// Handed to the channel.
        case sent
        /// Accepted by the channel for later delivery.
        case queued
    }

    /// The channel's id for the sent message, if it gave one.
    public var externalID: String?
    public var status: Status

    public init(externalID: String? = nil, status: Status = .sent) {
        self.externalID = externalID
        self.status = status
    }

    /// Sent, with no external id.
    public static var sent: SendResult { SendResult() }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let externalID { members.append((key: "external_id", value: .string(externalID))) }
        members.append((key: "status", value: .string(status.rawValue)))
        return .object(members)
    }
}

/// What a channel reports about an outbound message (`message_status`, ABI 1.1).
public enum DeliveryStatus: String, Sendable {
    case sent
    case delivered
    case read
    case failed
}

/// An inbound message for the conversation core (`inbound_deliver`).
public struct InboundMessage: Sendable {
    /// The channel's id of the message; redelivery of the same id is detected as a duplicate.
    public var externalID: String
    /// The sender's address on the channel.
    public var from: String
    public var text: String
    public var fromName: String?
    public var threadKey: String?
    /// Unix time in seconds.
    public var timestamp: Int64?
    public var metadata: JSONValue?
    /// Attachment metadata objects (type, url, mime type, name, size…).
    public var attachments: [JSONValue]?
    /// A person on the tenant's side wrote it on the channel itself: the assistant pauses.
    public var fromHuman: Bool
    /// Stream the reply to this message through `ChannelInstance.replyEvent` as it is generated
    /// (ABI 1.3; an older host ignores it and the reply arrives whole through `send`).
    public var stream: Bool

    public init(
        externalID: String, from: String, text: String, fromName: String? = nil, threadKey: String? = nil,
        timestamp: Int64? = nil, metadata: JSONValue? = nil, attachments: [JSONValue]? = nil, fromHuman: Bool = false,
        stream: Bool = false
    ) {
        self.stream = stream
        self.externalID = externalID
        self.from = from
        self.text = text
        self.fromName = fromName
        self.threadKey = threadKey
        self.timestamp = timestamp
        self.metadata = metadata
        self.attachments = attachments
        self.fromHuman = fromHuman
    }

    /// The JSON the host expects.
    public var json: JSONValue {
        var m: [(key: String, value: JSONValue)] = [
            (key: "external_id", value: .string(externalID)), (key: "from", value: .string(from)),
            (key: "text", value: .string(text)),
        ]
        if let fromName { m.append((key: "from_name", value: .string(fromName))) }
        if let threadKey { m.append((key: "thread_key", value: .string(threadKey))) }
        if let timestamp { m.append((key: "timestamp", value: .integer(timestamp))) }
        if let metadata { m.append((key: "metadata", value: metadata)) }
        if let attachments { m.append((key: "attachments", value: .array(attachments))) }
        if fromHuman { m.append((key: "from_human", value: .bool(true))) }
        if stream { m.append((key: "stream", value: .bool(true))) }
        return .object(m)
    }
}

/// What the conversation core did with an inbound message.
public struct InboundReceipt: Sendable, Equatable {
    public var messageID: String
    public var conversationID: String
    /// True when the external id had been delivered before.
    public var duplicate: Bool
    /// The tenant's assistant will answer it.
    public var replyQueued: Bool

    public init(messageID: String, conversationID: String, duplicate: Bool, replyQueued: Bool = false) {
        self.messageID = messageID
        self.conversationID = conversationID
        self.duplicate = duplicate
        self.replyQueued = replyQueued
    }

    init(json: JSONValue) {
        self.init(
            messageID: json["message_id"]?.stringValue ?? "",
            conversationID: json["conversation_id"]?.stringValue ?? "",
            duplicate: json["duplicate"]?.boolValue ?? false, replyQueued: json["reply_queued"]?.boolValue ?? false)
    }
}

/// One event of a streamed reply (`on_reply_event`, ABI 1.3).
public enum ReplyEvent: Sendable, Equatable {
    /// The next piece of the reply to the inbound message `replyTo`; `index` counts from 0 and
    /// starts again at 0 when a failed attempt is retried.
    case delta(replyTo: String, conversationID: String, text: String, index: Int)
    /// The agent failed; `retrying` says whether the host will try again (then deltas may
    /// start anew from index 0).
    case failed(replyTo: String, conversationID: String, error: String, retrying: Bool)

    /// The inbound message this event answers.
    public var replyTo: String {
        switch self {
        case .delta(let replyTo, _, _, _), .failed(let replyTo, _, _, _): replyTo
        }
    }

    init?(json: JSONValue) {
        let replyTo = json["reply_to"]?.stringValue ?? ""
        let conversation = json["conversation_id"]?.stringValue ?? ""
        switch json["type"]?.stringValue {
        case "delta":
            self = .delta(
                replyTo: replyTo, conversationID: conversation, text: json["text"]?.stringValue ?? "",
                index: Int(json["index"]?.intValue ?? 0))
        case "error":
            self = .failed(
                replyTo: replyTo, conversationID: conversation, error: json["error"]?.stringValue ?? "",
                retrying: json["retrying"]?.boolValue ?? false)
        default:
            return nil
        }
    }
}

/// One message of a contact's history (`InstanceContext.conversationHistory`, ABI 1.3).
public struct HistoryMessage: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case inbound
        case outbound
    }

    public var id: String
    public var conversationID: String
    public var direction: Direction
    /// "contact", "assistant", "human" or "staff".
    public var author: String
    public var text: String
    /// "received", "queued", "sent", "delivered", "read" or "failed".
    public var status: String
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue,
            let direction = json["direction"]?.stringValue.flatMap(Direction.init(rawValue:))
        else { return nil }
        self.id = id
        self.conversationID = json["conversation_id"]?.stringValue ?? ""
        self.direction = direction
        self.author = json["author"]?.stringValue ?? ""
        self.text = json["text"]?.stringValue ?? ""
        self.status = json["status"]?.stringValue ?? ""
        self.createdAt = json["created_at"]?.intValue ?? 0
    }
}

/// A page of a contact's history: oldest first; `nextCursor` reads the page before it.
public struct HistoryPage: Sendable, Equatable {
    public var messages: [HistoryMessage]
    public var nextCursor: String?
}
