/// The registry's change log: every write to tenants, instances or API keys appends a row in
/// the same transaction, so another process (a running server, while the CLI writes) can
/// learn what changed by reading the rows after the last sequence number it saw.
public struct RegistryChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case tenant
        case instance
        case apiKey = "api_key"
        /// A tenant's assistant configuration (the subject is the tenant id).
        case assistant
    }

    public var seq: Int64
    public var kind: Kind
    /// The id of the changed tenant, instance or key.
    public var subject: String
    public var at: Int64
    /// The ``HostDatabase/origin`` of the handle that wrote it (nil for rows written before
    /// origins were recorded).
    public var origin: String?
}

extension HostDatabase {
    /// Append a change row; call inside the write's transaction.
    ///
    /// On PostgreSQL the writers take one advisory lock, held to their commit, so change rows
    /// commit in `seq` order: a reader that saw `seq` N never misses a row below N that commits
    /// later. (Registry writes are rare; serializing them costs nothing that shows.)
    func recordChange(_ kind: RegistryChange.Kind, _ subject: String) throws {
        if connection.backend == .postgres {
            _ = try connection.query("SELECT pg_advisory_xact_lock(?1)", [.integer(Self.changeLogLock)])
        }
        try connection.run(
            "INSERT INTO registry_changes(kind, subject, at, origin) VALUES (?1, ?2, ?3, ?4)",
            [.text(kind.rawValue), .text(subject), .integer(now()), .text(origin)])
        if connection.backend == .postgres {
            // Delivered when the transaction commits, to every host listening (RegistryWatcher).
            _ = try connection.query("SELECT pg_notify(?1, '')", [.text(changeChannel)])
        }
    }

    /// The `LISTEN` channel that announces committed registry changes on PostgreSQL:
    /// `switchboard_registry`, or `switchboard_registry_<schema>` for an install in a schema of
    /// its own (notifications reach every session of the database, whatever its schema).
    public var changeChannel: String {
        guard let namespace = connection.namespace else { return "switchboard_registry" }
        return String(("switchboard_registry_" + namespace).prefix(63))
    }

    /// The advisory lock key of the change log on PostgreSQL.
    static let changeLogLock: Int64 = 0x5357_4243_4847  // "SWBCHG"

    /// The newest change's sequence number (0 when there is none).
    public func latestChangeSeq() throws -> Int64 {
        try connection.query("SELECT coalesce(max(seq), 0) FROM registry_changes", []).rows.first?[0].int64Value ?? 0
    }

    /// Changes after `seq`, oldest first.
    public func changes(after seq: Int64, limit: Int = 10_000) throws -> [RegistryChange] {
        try connection.query(
            "SELECT seq, kind, subject, at, origin FROM registry_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            [.integer(seq), .integer(Int64(limit))]
        ).rows.compactMap { row in
            guard let kind = RegistryChange.Kind(rawValue: try Self.text(row, 1)) else { return nil }
            return RegistryChange(
                seq: try Self.integer(row, 0), kind: kind, subject: try Self.text(row, 2), at: try Self.integer(row, 3),
                origin: try Self.optionalText(row, 4))
        }
    }

    /// Forget changes older than `before` (milliseconds since the epoch); returns how many.
    @discardableResult
    public func pruneChanges(before: Int64) throws -> Int {
        Int(try connection.run("DELETE FROM registry_changes WHERE at < ?1", [.integer(before)]))
    }

    /// A number that moves when another process may have written the registry: SQLite's
    /// `data_version` (moves when another connection commits to the file, no I/O to read); on
    /// PostgreSQL the change log's newest `seq` (one index probe).
    public func dataVersion() throws -> Int64 {
        if connection.backend == .postgres { return try latestChangeSeq() }
        return try connection.query("PRAGMA data_version", []).rows.first?[0].int64Value ?? 0
    }
}
