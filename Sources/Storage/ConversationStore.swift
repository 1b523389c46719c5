import Logging

/// Contacts, conversations, messages, the assistant's reply jobs and the outbox, in the host's
/// registry database (`host.sqlite`, migration `005_conversations`).
///
/// Guarantees:
/// - a message is unique on (instance, external id): a redelivery finds the stored one;
/// - an inbound message gets at most one assistant reply (unique on `reply_to`);
/// - by default one open conversation per (instance, thread key), the thread key being the
///   plugin's own or the contact's id;
/// - reply jobs and outbox rows are written in the same transaction as the messages they are
///   for, so nothing accepted is lost in a crash.
public final class ConversationStore: Sendable {
    let database: HostDatabase
    /// How long a host holds the queue rows it claimed on PostgreSQL before another host may
    /// take them (see ``dueReplyJobs(at:limit:excluding:)``): longer than an agent call and a
    /// send take, short enough that a dead host's work moves on soon.
    public let claimLeaseMilliseconds: Int64
    var connection: any SQLDatabase { database.connection }
    var now: @Sendable () -> Int64 { database.now }

    /// The engine underneath (claims and holds exist on PostgreSQL only).
    public var backend: SQLBackend { connection.backend }

    public init(database: HostDatabase, claimLeaseMilliseconds: Int64 = 60_000) {
        self.database = database
        self.claimLeaseMilliseconds = claimLeaseMilliseconds
    }

    static let schema = """
        CREATE TABLE contacts(
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            external_id TEXT NOT NULL,
            name TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE(instance_id, external_id)
        );
        CREATE TABLE conversations(
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            contact_id TEXT NOT NULL REFERENCES contacts(id),
            thread_key TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK(status IN ('open', 'closed')),
            paused_until INTEGER,
            last_message_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX conversations_open_thread ON conversations(instance_id, thread_key) WHERE status = 'open';
        CREATE INDEX conversations_tenant ON conversations(tenant_id, last_message_at);
        CREATE TABLE messages(
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            direction TEXT NOT NULL CHECK(direction IN ('inbound', 'outbound')),
            author TEXT NOT NULL CHECK(author IN ('contact', 'assistant', 'human', 'staff')),
            text TEXT NOT NULL,
            attachments TEXT CHECK(attachments IS NULL OR json_valid(attachments)),
            status TEXT NOT NULL CHECK(status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
            external_id TEXT,
            error TEXT,
            reply_to TEXT,
            metadata TEXT CHECK(metadata IS NULL OR json_valid(metadata)),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX messages_external ON messages(instance_id, external_id) WHERE external_id IS NOT NULL;
        CREATE UNIQUE INDEX messages_one_reply ON messages(reply_to) WHERE reply_to IS NOT NULL;
        CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
        CREATE TABLE reply_jobs(
            message_id TEXT PRIMARY KEY REFERENCES messages(id),
            tenant_id TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX reply_jobs_due ON reply_jobs(next_attempt_at);
        CREATE TABLE outbox(
            message_id TEXT PRIMARY KEY REFERENCES messages(id),
            tenant_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX outbox_due ON outbox(next_attempt_at);
        """

    /// The rest of migration 005 on SQLite: messages received before conversations existed move over.
    static let moveInboundMessages = """
        -- Messages received before conversations existed move over: one contact per sender, one
        -- conversation per thread, the messages as received.
        INSERT INTO contacts(id, tenant_id, instance_id, external_id, name, created_at, updated_at)
            SELECT 'ct_' || lower(hex(randomblob(16))), min(tenant_id), instance_id, sender, max(sender_name),
                   min(received_at), max(received_at)
            FROM inbound_messages GROUP BY instance_id, sender;
        INSERT INTO conversations(id, tenant_id, instance_id, contact_id, thread_key, last_message_at, created_at, updated_at)
            SELECT 'cv_' || lower(hex(randomblob(16))), g.tenant_id, g.instance_id, c.id, g.thread, g.last, g.first, g.last
            FROM (SELECT min(tenant_id) AS tenant_id, instance_id, coalesce(thread_key, sender) AS thread,
                         min(sender) AS sender, min(received_at) AS first, max(received_at) AS last
                  FROM inbound_messages GROUP BY instance_id, coalesce(thread_key, sender)) g
            JOIN contacts c ON c.instance_id = g.instance_id AND c.external_id = g.sender;
        INSERT INTO messages(id, tenant_id, instance_id, conversation_id, direction, author, text, status, external_id,
                             metadata, created_at, updated_at)
            SELECT m.id, m.tenant_id, m.instance_id, v.id, 'inbound', 'contact', m.text, 'received', m.external_id,
                   m.metadata, m.received_at, m.received_at
            FROM inbound_messages m JOIN conversations v
              ON v.instance_id = m.instance_id AND v.thread_key = coalesce(m.thread_key, m.sender);
        DROP TABLE inbound_messages;
        """

    /// What migration 005 adds on PostgreSQL (after ``schema`` with its JSON checks rewritten,
    /// and without ``moveInboundMessages``: a PostgreSQL database starts empty): the
    /// insertion-order `seq` column (SQLite's `rowid`) where the stores order or page by it.
    static let postgresAdditions = """
        ALTER TABLE messages ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
        CREATE INDEX messages_conversation_seq ON messages(conversation_id, seq);
        CREATE INDEX messages_instance_seq ON messages(instance_id, seq);
        ALTER TABLE reply_jobs ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
        ALTER TABLE outbox ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
        DROP TABLE inbound_messages;
        """

    static let messageColumns = """
        id, tenant_id, instance_id, conversation_id, direction, author, text, attachments, status, external_id, \
        error, reply_to, metadata, created_at, updated_at
        """
    static let conversationColumns = """
        id, tenant_id, instance_id, contact_id, thread_key, status, paused_until, last_message_at, created_at, updated_at
        """
    static let contactColumns = "id, tenant_id, instance_id, external_id, name, created_at, updated_at"

    // MARK: - Ingest

    /// Store inbound messages, all in one transaction (group commit), each in its own savepoint
    /// so one bad message fails alone. A new contact message queues a reply job unless its
    /// conversation is paused; a message from a person on the tenant's side (`fromHuman`) is
    /// stored as outbound and pauses the assistant for `handoffPause` milliseconds.
    public func ingest(_ inputs: [InboundInput], handoffPause: Int64) throws -> [Result<IngestOutcome, StorageError>] {
        try batch(inputs) { try ingestOne($0, handoffPause: handoffPause) }
    }

    /// Store a mix of writes in one transaction (group commit of everything the conversation
    /// core writes often: inbound messages, the assistant's replies, send reports), each as its
    /// own method would, one failing item failing alone.
    public func write(_ items: [ConversationWrite], handoffPause: Int64) throws
        -> [Result<ConversationWritten, StorageError>]
    {
        try batch(items) { item in
            switch item {
            case .inbound(let input):
                return .inbound(try ingestOne(input, handoffPause: handoffPause))
            case .reply(let inboundId, let text, let claimed):
                return .reply(try completeReply(to: inboundId, text: text, claimed: claimed))
            case .sent(let report):
                try recordSent(report)
                return .sent
            }
        }
    }

    /// Run `body` for each item in one transaction, so one failing item is rolled back alone and
    /// reported in its place while the rest commit. The batch first runs with no savepoints (the
    /// common case: nothing fails, two statements fewer per item); when an item fails, the whole
    /// transaction is rolled back and the batch runs again with a savepoint per item.
    func batch<Item, Output>(_ items: [Item], _ body: (Item) throws -> Output) throws
        -> [Result<Output, StorageError>]
    {
        if !items.isEmpty,
            let outputs = try? connection.transaction({ try items.map { try body($0) } })
        {
            return outputs.map { .success($0) }
        }
        return try connection.transaction {
            items.map { item in
                do {
                    return .success(try connection.transaction { try body(item) })
                } catch let error as StorageError {
                    return .failure(error)
                } catch {
                    return .failure(StorageError(.internal, "\(error)"))
                }
            }
        }
    }

    private func ingestOne(_ input: InboundInput, handoffPause: Int64) throws -> IngestOutcome {
        try HostDatabase.requireNonEmpty(input.externalId, field: "external_id")
        try HostDatabase.requireNonEmpty(input.from, field: "from")
        if let existing = try message(instanceId: input.instanceId, externalId: input.externalId) {
            return IngestOutcome(
                message: existing, conversationId: existing.conversationId, duplicate: true, replyQueued: false)
        }
        let time = now()
        let contact = try upsertContact(
            tenantId: input.tenantId, instanceId: input.instanceId, externalId: input.from, name: input.fromName,
            time: time)
        let sentAt = input.sentAt ?? time
        let conversation = try openConversation(
            tenantId: input.tenantId, instanceId: input.instanceId, contactId: contact.id,
            threadKey: input.threadKey ?? input.from, messageAt: sentAt, time: time)
        let message = MessageRecord(
            id: RecordID.make(prefix: "msg"), tenantId: input.tenantId, instanceId: input.instanceId,
            conversationId: conversation.id, direction: input.fromHuman ? .outbound : .inbound,
            author: input.fromHuman ? .human : .contact, text: input.text, attachments: input.attachments,
            status: input.fromHuman ? .sent : .received, externalId: input.externalId, error: nil, replyTo: nil,
            metadata: input.metadata, createdAt: sentAt, updatedAt: time)
        try insert(message)
        var pausedUntil = conversation.pausedUntil
        if input.fromHuman {
            pausedUntil = time + handoffPause
            try connection.run(
                "UPDATE conversations SET paused_until = ?2, updated_at = ?3 WHERE id = ?1",
                [.text(conversation.id), .integer(pausedUntil!), .integer(time)])
        }
        let queueReply = !input.fromHuman && (pausedUntil ?? 0) <= time
        var reply: OutboxItem?
        if queueReply, let text = input.immediateReply {
            let record = Self.reply(to: message, text: text, time: time)
            try insert(record)
            // Handed to this host's send task at once (``IngestOutcome/reply``): claimed from the start.
            try queueForSending(record, at: time, claimed: true)
            reply = OutboxItem(message: record, conversation: conversation, contact: contact, attempts: 0)
        }
        let held = queueReply && reply == nil && input.holdReplyJob && connection.backend == .postgres
        if queueReply && reply == nil {
            try connection.run(
                "INSERT INTO reply_jobs(message_id, tenant_id, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4)",
                [.text(message.id), .text(input.tenantId), .integer(held ? time + claimLeaseMilliseconds : time), .integer(time)])
        }
        var outcome = IngestOutcome(
            message: message, conversationId: conversation.id, duplicate: false, replyQueued: queueReply, reply: reply)
        outcome.replyJobHeld = held
        return outcome
    }

    /// The assistant's reply to `inbound`, queued for sending.
    static func reply(to inbound: MessageRecord, text: String, time: Int64) -> MessageRecord {
        MessageRecord(
            id: RecordID.make(prefix: "msg"), tenantId: inbound.tenantId, instanceId: inbound.instanceId,
            conversationId: inbound.conversationId, direction: .outbound, author: .assistant, text: text,
            attachments: nil, status: .queued, externalId: nil, error: nil, replyTo: inbound.id, metadata: nil,
            createdAt: time, updatedAt: time)
    }

    /// The contact `externalId` of the instance, created or its name updated as needed. A known
    /// contact whose name did not change is only read: no row is written, so a busy contact costs
    /// no page in the commit.
    private func upsertContact(tenantId: String, instanceId: String, externalId: String, name: String?, time: Int64)
        throws -> ContactRecord
    {
        if let row = try connection.query(
            "SELECT \(Self.contactColumns) FROM contacts WHERE instance_id = ?1 AND external_id = ?2",
            [.text(instanceId), .text(externalId)]
        ).rows.first {
            var contact = try Self.contact(from: row)
            guard let name, name != contact.name else { return contact }
            try connection.run(
                "UPDATE contacts SET name = ?2, updated_at = ?3 WHERE id = ?1", [.text(contact.id), .text(name), .integer(time)])
            contact.name = name
            contact.updatedAt = time
            return contact
        }
        let row = try connection.query(
            """
            INSERT INTO contacts(id, tenant_id, instance_id, external_id, name, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
            ON CONFLICT(instance_id, external_id) DO UPDATE SET
                name = coalesce(excluded.name, contacts.name),
                updated_at = CASE WHEN excluded.name IS NOT NULL AND excluded.name IS DISTINCT FROM contacts.name
                             THEN excluded.updated_at ELSE contacts.updated_at END
            RETURNING \(Self.contactColumns)
            """,
            [
                .text(RecordID.make(prefix: "ct")), .text(tenantId), .text(instanceId), .text(externalId),
                name.map(SQLValue.text) ?? .null, .integer(time),
            ]
        ).rows.first
        guard let row else { throw StorageError(.internal, "contact upsert returned nothing") }
        return try Self.contact(from: row)
    }

    /// The open conversation of `threadKey`, its last message time moved to `messageAt` if that is
    /// later (one statement for a known conversation), or a new one.
    private func openConversation(
        tenantId: String, instanceId: String, contactId: String, threadKey: String, messageAt: Int64, time: Int64
    ) throws -> ConversationRecord {
        if let row = try connection.query(
            """
            UPDATE conversations SET last_message_at = CASE WHEN last_message_at > ?3 THEN last_message_at ELSE ?3 END, updated_at = ?4
            WHERE instance_id = ?1 AND thread_key = ?2 AND status = 'open'
            RETURNING \(Self.conversationColumns)
            """,
            [.text(instanceId), .text(threadKey), .integer(messageAt), .integer(time)]
        ).rows.first {
            return try Self.conversation(from: row)
        }
        let record = ConversationRecord(
            id: RecordID.make(prefix: "cv"), tenantId: tenantId, instanceId: instanceId, contactId: contactId,
            threadKey: threadKey, status: "open", pausedUntil: nil, lastMessageAt: max(messageAt, time),
            createdAt: time, updatedAt: time)
        try connection.run(
            """
            INSERT INTO conversations(\(Self.conversationColumns)) VALUES (?1, ?2, ?3, ?4, ?5, 'open', NULL, ?6, ?7, ?7)
            """,
            [
                .text(record.id), .text(tenantId), .text(instanceId), .text(contactId), .text(threadKey),
                .integer(record.lastMessageAt), .integer(time),
            ])
        return record
    }

    func insert(_ message: MessageRecord) throws {
        try connection.run(
            "INSERT INTO messages(\(Self.messageColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            [
                .text(message.id), .text(message.tenantId), .text(message.instanceId), .text(message.conversationId),
                .text(message.direction.rawValue), .text(message.author.rawValue), .text(message.text),
                message.attachments.map(SQLValue.text) ?? .null, .text(message.status.rawValue),
                message.externalId.map(SQLValue.text) ?? .null, message.error.map(SQLValue.text) ?? .null,
                message.replyTo.map(SQLValue.text) ?? .null, message.metadata.map(SQLValue.text) ?? .null,
                .integer(message.createdAt), .integer(message.updatedAt),
            ])
    }

    // MARK: - Reads

    public func message(id: String) throws -> MessageRecord? {
        try connection.query("SELECT \(Self.messageColumns) FROM messages WHERE id = ?1", [.text(id)])
            .rows.first.map(Self.message(from:))
    }

    public func message(instanceId: String, externalId: String) throws -> MessageRecord? {
        try connection.query(
            "SELECT \(Self.messageColumns) FROM messages WHERE instance_id = ?1 AND external_id = ?2",
            [.text(instanceId), .text(externalId)]
        ).rows.first.map(Self.message(from:))
    }

    public func conversation(id: String) throws -> ConversationRecord? {
        try connection.query("SELECT \(Self.conversationColumns) FROM conversations WHERE id = ?1", [.text(id)])
            .rows.first.map(Self.conversation(from:))
    }

    public func contact(id: String) throws -> ContactRecord? {
        try connection.query("SELECT \(Self.contactColumns) FROM contacts WHERE id = ?1", [.text(id)])
            .rows.first.map(Self.contact(from:))
    }

    /// A tenant's conversations, most recent activity first, after the cursor (a conversation
    /// id from the previous page), optionally only one instance's.
    public func conversations(tenantId: String, instanceId: String? = nil, after cursor: String? = nil, limit: Int)
        throws -> [ConversationRecord]
    {
        var anchor: (Int64, String)?
        if let cursor {
            guard let row = try conversation(id: cursor), row.tenantId == tenantId else {
                throw StorageError(.invalidArgument, "unknown cursor")
            }
            anchor = (row.lastMessageAt, row.id)
        }
        return try connection.query(
            """
            SELECT \(Self.conversationColumns) FROM conversations
            WHERE tenant_id = ?1 AND (instance_id = ?2 OR ?2 IS NULL)
              AND (last_message_at < ?3 OR (last_message_at = ?3 AND id < ?4) OR ?3 IS NULL)
            ORDER BY last_message_at DESC, id DESC LIMIT ?5
            """,
            [
                .text(tenantId), instanceId.map(SQLValue.text) ?? .null, anchor.map { .integer($0.0) } ?? .null,
                .text(anchor?.1 ?? ""), .integer(Int64(limit)),
            ]
        ).rows.map(Self.conversation(from:))
    }

    /// A conversation's messages in order (oldest first), after the cursor (a message id).
    public func messages(conversationId: String, after cursor: String? = nil, limit: Int) throws -> [MessageRecord] {
        var anchor: Int64?
        if let cursor {
            let row = try connection.query(
                "SELECT \(database.seqColumn) FROM messages WHERE id = ?1 AND conversation_id = ?2",
                [.text(cursor), .text(conversationId)]
            ).rows.first
            guard let rowid = row?[0].int64Value else { throw StorageError(.invalidArgument, "unknown cursor") }
            anchor = rowid
        }
        return try connection.query(
            """
            SELECT \(Self.messageColumns) FROM messages
            WHERE conversation_id = ?1 AND (\(database.seqColumn) > ?2 OR ?2 IS NULL)
            ORDER BY \(database.seqColumn) LIMIT ?3
            """,
            [.text(conversationId), anchor.map(SQLValue.integer) ?? .null, .integer(Int64(limit))]
        ).rows.map(Self.message(from:))
    }

    /// The newest `limit` messages of an instance, oldest first.
    public func recentMessages(instanceId: String, limit: Int) throws -> [MessageRecord] {
        try connection.query(
            """
            SELECT * FROM (SELECT \(Self.messageColumns), \(database.seqColumn) AS seq FROM messages
                           WHERE instance_id = ?1 ORDER BY \(database.seqColumn) DESC LIMIT ?2) AS recent
            ORDER BY seq
            """,
            [.text(instanceId), .integer(Int64(limit))]
        ).rows.map(Self.message(from:))
    }

    /// The conversation's last `limit` messages before `messageId` (excluded), oldest first: the
    /// context an agent gets. Failed messages are left out.
    public func history(conversationId: String, before messageId: String, limit: Int) throws -> [MessageRecord] {
        guard limit > 0 else { return [] }
        return try connection.query(
            """
            SELECT * FROM (
                SELECT \(Self.messageColumns), \(database.seqColumn) AS seq FROM messages
                WHERE conversation_id = ?1 AND status != 'failed'
                  AND \(database.seqColumn) < (SELECT \(database.seqColumn) FROM messages WHERE id = ?2)
                ORDER BY \(database.seqColumn) DESC LIMIT ?3
            ) AS recent ORDER BY seq
            """,
            [.text(conversationId), .text(messageId), .integer(Int64(limit))]
        ).rows.map(Self.message(from:))
    }

    // MARK: - Handoff

    /// Pause the assistant in a conversation until `until` (nil resumes it).
    @discardableResult
    public func setPaused(conversationId: String, until: Int64?) throws -> ConversationRecord {
        try connection.transaction {
            let changed = try connection.run(
                "UPDATE conversations SET paused_until = ?2, updated_at = ?3 WHERE id = ?1",
                [.text(conversationId), until.map(SQLValue.integer) ?? .null, .integer(now())])
            guard changed == 1, let record = try conversation(id: conversationId) else {
                throw StorageError(.notFound, "no conversation \(StorageSupport.quoted(conversationId))")
            }
            return record
        }
    }

    // MARK: - Row decoding

    static func message(from row: [SQLValue]) throws -> MessageRecord {
        guard let direction = MessageDirection(rawValue: try HostDatabase.text(row, 4)),
            let author = MessageAuthor(rawValue: try HostDatabase.text(row, 5)),
            let status = MessageStatus(rawValue: try HostDatabase.text(row, 8))
        else { throw StorageError(.internal, "unexpected message direction, author or status") }
        return MessageRecord(
            id: try HostDatabase.text(row, 0), tenantId: try HostDatabase.text(row, 1),
            instanceId: try HostDatabase.text(row, 2), conversationId: try HostDatabase.text(row, 3),
            direction: direction, author: author, text: try HostDatabase.text(row, 6),
            attachments: try HostDatabase.optionalText(row, 7), status: status,
            externalId: try HostDatabase.optionalText(row, 9), error: try HostDatabase.optionalText(row, 10),
            replyTo: try HostDatabase.optionalText(row, 11), metadata: try HostDatabase.optionalText(row, 12),
            createdAt: try HostDatabase.integer(row, 13), updatedAt: try HostDatabase.integer(row, 14))
    }

    static func conversation(from row: [SQLValue]) throws -> ConversationRecord {
        ConversationRecord(
            id: try HostDatabase.text(row, 0), tenantId: try HostDatabase.text(row, 1),
            instanceId: try HostDatabase.text(row, 2), contactId: try HostDatabase.text(row, 3),
            threadKey: try HostDatabase.text(row, 4), status: try HostDatabase.text(row, 5),
            pausedUntil: row[6].int64Value, lastMessageAt: try HostDatabase.integer(row, 7),
            createdAt: try HostDatabase.integer(row, 8), updatedAt: try HostDatabase.integer(row, 9))
    }

    static func contact(from row: [SQLValue]) throws -> ContactRecord {
        ContactRecord(
            id: try HostDatabase.text(row, 0), tenantId: try HostDatabase.text(row, 1),
            instanceId: try HostDatabase.text(row, 2), externalId: try HostDatabase.text(row, 3),
            name: try HostDatabase.optionalText(row, 4), createdAt: try HostDatabase.integer(row, 5),
            updatedAt: try HostDatabase.integer(row, 6))
    }
}
