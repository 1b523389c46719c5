/// Which way a message went.
public enum MessageDirection: String, Sendable, Hashable, Codable {
    case inbound
    case outbound
}

/// Who wrote a message.
public enum MessageAuthor: String, Sendable, Hashable, Codable {
    /// The customer on the channel.
    case contact
    /// The tenant's assistant (an agent backend).
    case assistant
    /// A person on the tenant's side who answered on the channel itself (a handoff).
    case human
    /// A person on the tenant's side who sent through the API.
    case staff
}

/// Where a message is. Outbound statuses only move forward: queued → sent → delivered → read;
/// failed is final.
public enum MessageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case received
    case queued
    case sent
    case delivered
    case read
    case failed

    /// Order of the forward-only outbound statuses (failed and received are outside it).
    var rank: Int {
        switch self {
        case .received: return 0
        case .queued: return 1
        case .sent: return 2
        case .delivered: return 3
        case .read: return 4
        case .failed: return 5
        }
    }
}

/// A customer as a channel instance knows them.
public struct ContactRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tenantId: String
    public var instanceId: String
    /// The channel's id: a WhatsApp JID, a phone number, a widget session.
    public var externalId: String
    public var name: String?
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// A thread of messages on one instance with one contact (or under a plugin's thread key).
public struct ConversationRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tenantId: String
    public var instanceId: String
    public var contactId: String
    public var threadKey: String
    public var status: String
    /// The assistant stays quiet until then (milliseconds since the epoch): a person took over.
    public var pausedUntil: Int64?
    public var lastMessageAt: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
}

public struct MessageRecord: Sendable, Hashable, Codable {
    public var id: String
    public var tenantId: String
    public var instanceId: String
    public var conversationId: String
    public var direction: MessageDirection
    public var author: MessageAuthor
    public var text: String
    /// Attachment metadata as a JSON array text (type, url, mime type, name, size…).
    public var attachments: String?
    public var status: MessageStatus
    /// The channel's id of the message (a provider message id).
    public var externalId: String?
    /// Why it failed, or the last delivery error.
    public var error: String?
    /// For an assistant reply: the inbound message it answers.
    public var replyTo: String?
    /// A JSON object text the channel attached.
    public var metadata: String?
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// An inbound message as a plugin hands it to the conversation core.
public struct InboundInput: Sendable, Hashable {
    public var tenantId: String
    public var instanceId: String
    public var externalId: String
    /// The contact's channel id.
    public var from: String
    public var fromName: String?
    public var text: String
    /// The plugin's own thread key (one thread per client for SMS); nil: one open conversation
    /// per contact.
    public var threadKey: String?
    public var attachments: String?
    public var metadata: String?
    /// A person on the tenant's side wrote it on the channel itself (Evolution's `fromMe` typed on
    /// the phone): stored as an outbound `human` message and the assistant pauses.
    public var fromHuman: Bool
    /// When the channel says it was sent (milliseconds since the epoch); nil: now.
    public var sentAt: Int64?
    /// The assistant's answer when it is known before the message is stored (the template agent
    /// needs no call): stored and queued for sending in the ingest transaction, with no reply job.
    public var immediateReply: String?
    /// The host that stores it answers it itself, at once (its reply is streamed to a client
    /// connected to this host): on PostgreSQL the reply job starts out held for this host
    /// (``IngestOutcome/replyJobHeld``).
    public var holdReplyJob = false

    public init(
        tenantId: String, instanceId: String, externalId: String, from: String, fromName: String? = nil, text: String,
        threadKey: String? = nil, attachments: String? = nil, metadata: String? = nil, fromHuman: Bool = false,
        sentAt: Int64? = nil
    ) {
        self.tenantId = tenantId
        self.instanceId = instanceId
        self.externalId = externalId
        self.from = from
        self.fromName = fromName
        self.text = text
        self.threadKey = threadKey
        self.attachments = attachments
        self.metadata = metadata
        self.fromHuman = fromHuman
        self.sentAt = sentAt
    }
}

/// What became of one inbound message.
public struct IngestOutcome: Sendable, Hashable {
    public var message: MessageRecord
    public var conversationId: String
    /// The same external id was stored before; nothing new was written.
    public var duplicate: Bool
    /// The assistant will answer it (a reply job was queued, or its immediate reply stored).
    public var replyQueued: Bool
    /// The immediate reply stored with it, already in the outbox.
    public var reply: OutboxItem?
    /// Its reply job is held for this host (``InboundInput/holdReplyJob``, PostgreSQL): no other
    /// host answers it unless the hold runs out; this host answers it, or gives it back.
    public var replyJobHeld = false

    public init(
        message: MessageRecord, conversationId: String, duplicate: Bool, replyQueued: Bool, reply: OutboxItem? = nil
    ) {
        self.message = message
        self.conversationId = conversationId
        self.duplicate = duplicate
        self.replyQueued = replyQueued
        self.reply = reply
    }
}

/// An inbound message the assistant still has to answer.
public struct ReplyJob: Sendable, Hashable {
    public var message: MessageRecord
    public var conversation: ConversationRecord
    public var contact: ContactRecord
    public var attempts: Int
}

/// An outbound message waiting for its plugin's send hook.
public struct OutboxItem: Sendable, Hashable {
    public var message: MessageRecord
    public var conversation: ConversationRecord
    public var contact: ContactRecord
    public var attempts: Int

    public init(message: MessageRecord, conversation: ConversationRecord, contact: ContactRecord, attempts: Int) {
        self.message = message
        self.conversation = conversation
        self.contact = contact
        self.attempts = attempts
    }
}

/// One write of the conversation core, for ``ConversationStore/write(_:handoffPause:)``.
public enum ConversationWrite: Sendable {
    /// An inbound message (``ConversationStore/ingest(_:handoffPause:)``).
    case inbound(InboundInput)
    /// The assistant's reply (``ConversationStore/completeReply(to:text:claimed:)``).
    case reply(inboundId: String, text: String, claimed: Bool)
    /// A plugin took an outbound message (``ConversationStore/markSent(_:externalId:status:)``).
    case sent(ConversationStore.SentReport)
}

/// What a ``ConversationWrite`` stored.
public enum ConversationWritten: Sendable {
    case inbound(IngestOutcome)
    case reply(MessageRecord?)
    case sent
}
