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

    public init(
        externalID: String, from: String, text: String, fromName: String? = nil, threadKey: String? = nil,
        timestamp: Int64? = nil, metadata: JSONValue? = nil, attachments: [JSONValue]? = nil, fromHuman: Bool = false
    ) {
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
