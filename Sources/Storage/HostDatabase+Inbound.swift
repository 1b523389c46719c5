/// Received messages, deduplicated on (instance, external id).
extension HostDatabase {
    static let inboundColumns =
        "id, tenant_id, instance_id, plugin, external_id, sender, sender_name, text, thread_key, metadata, received_at"

    /// Stores a received message, or finds the one already stored with the
    /// same (instanceId, externalId): a channel redelivering a message is
    /// not an error.
    ///
    /// An empty `id` gets a new `msg_` id; a `receivedAt` of 0 becomes now.
    /// - Returns: the stored row (the earlier one for a duplicate) and whether it was a duplicate.
    /// - Throws: invalidArgument when externalId or sender is empty or
    ///   metadata is not JSON; notFound when the tenant does not exist.
    @discardableResult
    public func recordInbound(_ message: InboundMessageRecord) throws -> (record: InboundMessageRecord, duplicate: Bool)
    {
        try Self.requireNonEmpty(message.externalId, field: "external_id")
        try Self.requireNonEmpty(message.sender, field: "sender")
        if let metadata = message.metadata { try requireJSON(metadata, field: "metadata", objectOnly: false) }
        var record = message
        if record.id.isEmpty { record.id = RecordID.make(prefix: "msg") }
        if record.receivedAt == 0 { record.receivedAt = now() }
        return try connection.transaction {
            guard try tenant(id: record.tenantId) != nil else {
                throw StorageError(.notFound, "no tenant \(StorageSupport.quoted(record.tenantId))")
            }
            let inserted = try connection.run(
                """
                INSERT INTO inbound_messages(\(Self.inboundColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                ON CONFLICT(instance_id, external_id) DO NOTHING
                """,
                [
                    .text(record.id), .text(record.tenantId), .text(record.instanceId), .text(record.plugin),
                    .text(record.externalId), .text(record.sender), record.senderName.map(SQLValue.text) ?? .null,
                    .text(record.text), record.threadKey.map(SQLValue.text) ?? .null,
                    record.metadata.map(SQLValue.text) ?? .null, .integer(record.receivedAt),
                ])
            if inserted == 1 { return (record, false) }
            let existing = try connection.query(
                "SELECT \(Self.inboundColumns) FROM inbound_messages WHERE instance_id = ?1 AND external_id = ?2",
                [.text(record.instanceId), .text(record.externalId)])
            guard let row = existing.rows.first else {
                throw StorageError(.internal, "inbound message was neither inserted nor found")
            }
            return (try Self.inbound(from: row), true)
        }
    }

    /// The newest `limit` messages of an instance, oldest first (newest last).
    public func inboundMessages(instanceId: String, limit: Int = 100) throws -> [InboundMessageRecord] {
        guard limit > 0 else { return [] }
        return try connection.query(
            """
            SELECT * FROM (
                SELECT \(Self.inboundColumns), rowid AS seq FROM inbound_messages WHERE instance_id = ?1
                ORDER BY received_at DESC, rowid DESC LIMIT ?2
            ) ORDER BY received_at, seq
            """,
            [.text(instanceId), .integer(Int64(limit))]
        ).rows.map(Self.inbound(from:))
    }

    static func inbound(from row: [SQLValue]) throws -> InboundMessageRecord {
        InboundMessageRecord(
            id: try text(row, 0), tenantId: try text(row, 1), instanceId: try text(row, 2), plugin: try text(row, 3),
            externalId: try text(row, 4), sender: try text(row, 5), senderName: try optionalText(row, 6),
            text: try text(row, 7), threadKey: try optionalText(row, 8), metadata: try optionalText(row, 9),
            receivedAt: try integer(row, 10))
    }
}
