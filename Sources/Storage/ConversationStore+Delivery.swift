/// The two queues behind every reply: reply jobs (inbound messages the assistant still has to
/// answer) and the outbox (outbound messages waiting for their plugin's send hook).
extension ConversationStore {
    // MARK: - Reply jobs

    /// Due reply jobs, oldest first, skipping the ones in `excluding` (being worked on). One
    /// joined query reads each job with its message, conversation and contact.
    public func dueReplyJobs(at time: Int64, limit: Int, excluding: Set<String> = []) throws -> [ReplyJob] {
        try dueRows(queue: "reply_jobs", at: time, limit: limit, excluding: excluding).map {
            ReplyJob(message: $0.0, conversation: $0.1, contact: $0.2, attempts: $0.3)
        }
    }

    /// Rows of a queue table (`reply_jobs` or `outbox`) joined with their message, conversation
    /// and contact.
    ///
    /// On PostgreSQL, where several hosts share the queues, reading is claiming: the due rows
    /// are locked with `FOR UPDATE SKIP LOCKED` (rows another host is claiming are passed
    /// over) and their `next_attempt_at` moves one lease (``claimLeaseMilliseconds``) ahead, so
    /// no other host takes them while this one works. Finishing a row (sent, retried, failed)
    /// rewrites or deletes it; a host that dies leaves its rows to fall due again when the
    /// lease ends. On SQLite one process owns the queues and `excluding` is enough.
    func dueRows(queue: String, at time: Int64, limit: Int, excluding: Set<String>) throws
        -> [(MessageRecord, ConversationRecord, ContactRecord, Int)]
    {
        let excluded = "[" + excluding.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows: [[SQLValue]]
        if connection.backend == .postgres {
            rows = try connection.transaction {
                let claimed = try connection.query(
                    Self.claimSQL(queue: queue),
                    [.integer(time), .text(excluded), .integer(Int64(limit)), .integer(time + claimLeaseMilliseconds)]
                ).rows.compactMap { $0.first?.stringValue }
                guard !claimed.isEmpty else { return [] }
                let list = "[" + claimed.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                return try connection.query(
                    queue == "outbox" ? Self.claimedOutboxSQL : Self.claimedReplyJobsSQL, [.text(list)]
                ).rows
            }
        } else {
            rows = try connection.query(
                queue == "outbox" ? Self.dueOutboxSQL : Self.dueReplyJobsSQL,
                [.integer(time), .text(excluded), .integer(Int64(limit))]
            ).rows
        }
        return try rows.map { row in
            (
                try Self.message(from: Array(row[0..<15])), try Self.conversation(from: Array(row[15..<25])),
                try Self.contact(from: Array(row[25..<32])), Int(try HostDatabase.integer(row, 32))
            )
        }
    }

    static let dueReplyJobsSQL = queueRowsSQL(
        queue: "reply_jobs", where: "q.next_attempt_at <= ?1 AND q.message_id NOT IN (SELECT value FROM json_each(?2))",
        seq: "rowid", limit: "?3")
    static let dueOutboxSQL = queueRowsSQL(
        queue: "outbox", where: "q.next_attempt_at <= ?1 AND q.message_id NOT IN (SELECT value FROM json_each(?2))",
        seq: "rowid", limit: "?3")
    static let claimedReplyJobsSQL = queueRowsSQL(
        queue: "reply_jobs", where: "q.message_id IN (SELECT json_array_elements_text(CAST(?1 AS json)))", seq: "seq", limit: nil)
    static let claimedOutboxSQL = queueRowsSQL(
        queue: "outbox", where: "q.message_id IN (SELECT json_array_elements_text(CAST(?1 AS json)))", seq: "seq", limit: nil)

    /// PostgreSQL: lock up to ?3 due rows not in ?2 that no other transaction holds, move them
    /// a lease (?4) ahead and return their ids.
    static func claimSQL(queue: String) -> String {
        """
        UPDATE \(queue) SET next_attempt_at = ?4 WHERE message_id IN (
            SELECT message_id FROM \(queue)
            WHERE next_attempt_at <= ?1 AND message_id NOT IN (SELECT json_array_elements_text(CAST(?2 AS json)))
            ORDER BY next_attempt_at, seq LIMIT ?3 FOR UPDATE SKIP LOCKED
        ) RETURNING message_id
        """
    }

    /// A queue's rows matching `condition`, joined with message, conversation and contact, due
    /// order first, the queue's insertion order (`seq`: `rowid` or `seq`) breaking ties.
    private static func queueRowsSQL(queue: String, where condition: String, seq: String, limit: String?) -> String {
        func prefixed(_ columns: String, _ alias: String) -> String {
            columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }
                .joined(separator: ", ")
        }
        return """
            SELECT \(prefixed(messageColumns, "m")), \(prefixed(conversationColumns, "v")),
                   \(prefixed(contactColumns, "c")), q.attempts
            FROM \(queue) q
            JOIN messages m ON m.id = q.message_id
            JOIN conversations v ON v.id = m.conversation_id
            JOIN contacts c ON c.id = v.contact_id
            WHERE \(condition)
            ORDER BY q.next_attempt_at, q.\(seq)\(limit.map { " LIMIT \($0)" } ?? "")
            """
    }

    /// The reply job of `inboundId` with its message, conversation and contact, whether due or
    /// not (nil when there is none): for the host that holds it (``IngestOutcome/replyJobHeld``).
    public func replyJob(_ inboundId: String) throws -> ReplyJob? {
        try connection.query(Self.heldReplyJobSQL, [.text(inboundId)]).rows.first.map { row in
            ReplyJob(
                message: try Self.message(from: Array(row[0..<15])), conversation: try Self.conversation(from: Array(row[15..<25])),
                contact: try Self.contact(from: Array(row[25..<32])), attempts: Int(try HostDatabase.integer(row, 32)))
        }
    }

    static let heldReplyJobSQL = queueRowsSQL(queue: "reply_jobs", where: "q.message_id = ?1", seq: "message_id", limit: nil)

    /// Give back a reply job this host holds but will not answer now: due at `at` for any host.
    public func releaseReplyJob(_ inboundId: String, at: Int64) throws {
        try connection.run(
            "UPDATE reply_jobs SET next_attempt_at = ?2 WHERE message_id = ?1", [.text(inboundId), .integer(at)])
    }

    /// Store many replies in one transaction (each as ``completeReply(to:text:claimed:)`` would).
    public func completeReplies(_ replies: [(inboundId: String, text: String, claimed: Bool)]) throws
        -> [Result<MessageRecord?, StorageError>]
    {
        try batch(replies) { try completeReply(to: $0.inboundId, text: $0.text, claimed: $0.claimed) }
    }

    /// Store the assistant's reply to an inbound message and queue it for sending, in one
    /// transaction that also ends the reply job. Returns nil (and ends the job) when the
    /// conversation was paused meanwhile; returns the stored reply when one exists already.
    /// `claimed`: the caller sends the reply itself at once (a streamed reply, whose client waits
    /// on this host), so on PostgreSQL its outbox row starts out held for this host.
    public func completeReply(to inboundId: String, text: String, claimed: Bool = false) throws -> MessageRecord? {
        try connection.transaction {
            guard let inbound = try message(id: inboundId), let conversation = try conversation(id: inbound.conversationId)
            else {
                try deleteReplyJob(inboundId)
                return nil
            }
            let time = now()
            if let paused = conversation.pausedUntil, paused > time {
                try deleteReplyJob(inboundId)
                return nil
            }
            if let existing = try connection.query(
                "SELECT \(Self.messageColumns) FROM messages WHERE reply_to = ?1", [.text(inboundId)]
            ).rows.first {
                try deleteReplyJob(inboundId)
                return try Self.message(from: existing)
            }
            let reply = Self.reply(to: inbound, text: text, time: time)
            try insert(reply)
            try queueForSending(reply, at: time, claimed: claimed)
            try deleteReplyJob(inboundId)
            return reply
        }
    }

    /// The reply job stays, tried again at `at`, with the error kept.
    public func retryReplyJob(_ inboundId: String, error: String, at: Int64) throws {
        try connection.run(
            "UPDATE reply_jobs SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE message_id = ?1",
            [.text(inboundId), .integer(at), .text(error)])
    }

    /// The reply job waits until `until` without counting an attempt (the tenant's agent budget
    /// is spent for now).
    public func deferReplyJob(_ inboundId: String, until: Int64) throws {
        try connection.run(
            "UPDATE reply_jobs SET next_attempt_at = ?2 WHERE message_id = ?1", [.text(inboundId), .integer(until)])
    }

    /// Give up on answering: the job ends and the inbound message carries the error.
    public func failReplyJob(_ inboundId: String, error: String) throws {
        try connection.transaction {
            try connection.run(
                "UPDATE messages SET error = ?2, updated_at = ?3 WHERE id = ?1",
                [.text(inboundId), .text(error), .integer(now())])
            try deleteReplyJob(inboundId)
        }
    }

    /// End a reply job without answering (the conversation is paused, the instance is gone).
    public func deleteReplyJob(_ inboundId: String) throws {
        try connection.run("DELETE FROM reply_jobs WHERE message_id = ?1", [.text(inboundId)])
    }

    // MARK: - Outbox

    /// A message from the tenant's side (staff through the API) into a conversation, queued for
    /// sending in the same transaction.
    public func enqueueOutbound(conversationId: String, text: String, author: MessageAuthor = .staff,
                                attachments: String? = nil, metadata: String? = nil) throws -> MessageRecord {
        try connection.transaction {
            guard let conversation = try conversation(id: conversationId) else {
                throw StorageError(.notFound, "no conversation \(StorageSupport.quoted(conversationId))")
            }
            let time = now()
            let message = MessageRecord(
                id: RecordID.make(prefix: "msg"), tenantId: conversation.tenantId, instanceId: conversation.instanceId,
                conversationId: conversation.id, direction: .outbound, author: author, text: text,
                attachments: attachments, status: .queued, externalId: nil, error: nil, replyTo: nil,
                metadata: metadata, createdAt: time, updatedAt: time)
            try insert(message)
            try queueForSending(message, at: time)
            try connection.run(
                "UPDATE conversations SET last_message_at = ?2, updated_at = ?2 WHERE id = ?1",
                [.text(conversation.id), .integer(time)])
            return message
        }
    }

    /// Queue `message` for sending at `time`. `claimed`: the caller sends it itself at once, so
    /// on PostgreSQL the row starts out held for one lease, as if this host had claimed it, and
    /// no other host picks it up meanwhile (``releaseOutboxClaim(_:at:)`` gives it back).
    func queueForSending(_ message: MessageRecord, at time: Int64, claimed: Bool = false) throws {
        let due = claimed && connection.backend == .postgres ? time + claimLeaseMilliseconds : time
        try connection.run(
            """
            INSERT INTO outbox(message_id, tenant_id, instance_id, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
            """,
            [.text(message.id), .text(message.tenantId), .text(message.instanceId), .integer(due), .integer(time)])
    }

    /// Give back an outbox row this host holds but will not send now: on PostgreSQL it falls due
    /// at `at` for whichever host (or this one's send loop) asks first. On SQLite a row is never
    /// held (``queueForSending(_:at:claimed:)`` stores it due), so there is nothing to write.
    public func releaseOutboxClaim(_ messageId: String, at: Int64) throws {
        // On SQLite a row stored claimed is due at once already (one host, nothing to give back).
        guard connection.backend == .postgres else { return }
        try connection.run(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE message_id = ?1", [.text(messageId), .integer(at)])
    }

    /// Due outbox entries, oldest first, skipping the ones in `excluding`.
    public func dueOutbox(at time: Int64, limit: Int, excluding: Set<String> = []) throws -> [OutboxItem] {
        try dueRows(queue: "outbox", at: time, limit: limit, excluding: excluding).map {
            OutboxItem(message: $0.0, conversation: $0.1, contact: $0.2, attempts: $0.3)
        }
    }

    /// A send report: the message, the channel's id for it and its status.
    public struct SentReport: Sendable {
        public var messageId: String
        public var externalId: String?
        public var status: MessageStatus

        public init(messageId: String, externalId: String?, status: MessageStatus) {
            self.messageId = messageId
            self.externalId = externalId
            self.status = status
        }
    }

    /// Record many sends in one transaction (each as ``markSent(_:externalId:status:)`` would).
    public func markSent(_ reports: [SentReport]) throws -> [Result<Void, StorageError>] {
        try batch(reports) { try recordSent($0) }
    }

    /// The plugin took the message: it leaves the outbox with the channel's id and status.
    public func markSent(_ messageId: String, externalId: String?, status: MessageStatus = .sent) throws {
        try connection.transaction {
            try recordSent(SentReport(messageId: messageId, externalId: externalId, status: status))
        }
    }

    /// ``markSent(_:externalId:status:)`` inside the caller's transaction.
    func recordSent(_ report: SentReport) throws {
        try connection.run(
            """
            UPDATE messages SET status = ?2, external_id = coalesce(?3, external_id), error = NULL, updated_at = ?4
            WHERE id = ?1
            """,
            [.text(report.messageId), .text(report.status.rawValue), report.externalId.map(SQLValue.text) ?? .null,
             .integer(now())])
        try connection.run("DELETE FROM outbox WHERE message_id = ?1", [.text(report.messageId)])
    }

    /// The send failed for now: try again at `at`, keeping the error on the message.
    public func retryOutbox(_ messageId: String, error: String, at: Int64) throws {
        try connection.transaction {
            try connection.run(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE message_id = ?1",
                [.text(messageId), .integer(at), .text(error)])
            try connection.run(
                "UPDATE messages SET error = ?2, updated_at = ?3 WHERE id = ?1",
                [.text(messageId), .text(error), .integer(now())])
        }
    }

    /// The send failed for good: the message is marked failed with the reason.
    public func failOutbox(_ messageId: String, error: String) throws {
        try connection.transaction {
            try connection.run(
                "UPDATE messages SET status = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1",
                [.text(messageId), .text(error), .integer(now())])
            try connection.run("DELETE FROM outbox WHERE message_id = ?1", [.text(messageId)])
        }
    }

    /// A delivery report: the outbound message with this channel id moves to `status` if that is
    /// further along (queued → sent → delivered → read; failed is final, with `error` kept);
    /// returns whether it moved.
    /// - Throws: notFound when the instance has no outbound message with that id.
    @discardableResult
    public func advanceStatus(instanceId: String, externalId: String, to status: MessageStatus, error: String? = nil)
        throws -> Bool
    {
        guard status != .received, status != .queued else { return false }
        return try connection.transaction {
            guard let message = try message(instanceId: instanceId, externalId: externalId),
                message.direction == .outbound
            else { throw StorageError(.notFound, "no outbound message \(StorageSupport.quoted(externalId))") }
            guard message.status != .failed, status.rank > message.status.rank else { return false }
            // A message the recipient already has cannot fail any more.
            if status == .failed, message.status.rank > MessageStatus.sent.rank { return false }
            try connection.run(
                "UPDATE messages SET status = ?2, error = coalesce(?3, error), updated_at = ?4 WHERE id = ?1",
                [.text(message.id), .text(status.rawValue), error.map(SQLValue.text) ?? .null, .integer(now())])
            return true
        }
    }

    /// When the next reply job or outbox entry falls due (nil when both are empty).
    public func nextDue() throws -> Int64? {
        try connection.query(
            "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM reply_jobs UNION ALL SELECT min(next_attempt_at) FROM outbox) AS due", []
        ).rows.first?[0].int64Value
    }
}
