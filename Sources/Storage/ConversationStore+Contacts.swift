/// A contact's view across its conversations on one instance: what a channel shows a returning
/// visitor, and what it erases when the visitor asks.
extension ConversationStore {
    /// One page of a contact's messages.
    public struct ContactPage: Sendable {
        /// Oldest first.
        public var items: [MessageRecord]
        /// Pass as `before` for the page of older messages; nil when there are none.
        public var nextCursor: String?
    }

    /// The newest `limit` messages of the contact `externalId` on the instance (all of its
    /// conversations, or those of one thread), before the cursor, oldest first.
    /// - Throws: invalidArgument for a cursor that is not a message of this contact.
    public func contactMessages(
        instanceId: String, contact externalId: String, threadKey: String? = nil, before cursor: String? = nil,
        limit: Int
    ) throws -> ContactPage {
        let columns = Self.messageColumns.split(separator: ",").map { "m." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
        let scope = """
            FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
            WHERE k.instance_id = ?1 AND k.external_id = ?2 AND (c.thread_key = ?3 OR ?3 IS NULL)
            """
        var anchor: Int64?
        if let cursor {
            guard
                let rowid = try connection.query(
                    "SELECT m.\(database.seqColumn) \(scope) AND m.id = ?4", [.text(instanceId), .text(externalId), threadKey.map(SQLValue.text) ?? .null, .text(cursor)]
                ).rows.first?[0].int64Value
            else { throw StorageError(.invalidArgument, "before: unknown cursor") }
            anchor = rowid
        }
        let rows = try connection.query(
            """
            SELECT \(columns), m.\(database.seqColumn) AS seq \(scope) AND (m.\(database.seqColumn) < ?4 OR ?4 IS NULL)
            ORDER BY m.\(database.seqColumn) DESC LIMIT ?5
            """,
            [
                .text(instanceId), .text(externalId), threadKey.map(SQLValue.text) ?? .null,
                anchor.map(SQLValue.integer) ?? .null, .integer(Int64(limit) + 1),
            ]
        ).rows
        let more = rows.count > limit
        let items = try rows.prefix(limit).reversed().map { try Self.message(from: Array($0.dropLast())) }
        return ContactPage(items: items, nextCursor: more ? items.first?.id : nil)
    }

    /// Erases the contact `externalId` of an instance: its conversations, their messages, pending
    /// reply jobs and queued outbound messages, in one transaction. Returns nil when there was no
    /// such contact, else the ids of its outbound messages that were still waiting in the outbox
    /// (a host that holds one of them in memory must not send it).
    @discardableResult
    public func forgetContact(instanceId: String, externalId: String) throws -> [String]? {
        try connection.transaction {
            guard
                let contactId = try connection.query(
                    "SELECT id FROM contacts WHERE instance_id = ?1 AND external_id = ?2", [.text(instanceId), .text(externalId)]
                ).rows.first?[0].stringValue
            else { return nil }
            let messages = "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?1"
            let queued = try connection.query(
                "SELECT message_id FROM outbox WHERE message_id IN (\(messages))", [.text(contactId)]
            ).rows.compactMap { $0[0].stringValue }
            try connection.run("DELETE FROM outbox WHERE message_id IN (\(messages))", [.text(contactId)])
            try connection.run("DELETE FROM reply_jobs WHERE message_id IN (\(messages))", [.text(contactId)])
            try connection.run(
                "DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE contact_id = ?1)",
                [.text(contactId)])
            try connection.run("DELETE FROM conversations WHERE contact_id = ?1", [.text(contactId)])
            try connection.run("DELETE FROM contacts WHERE id = ?1", [.text(contactId)])
            return queued
        }
    }
}
