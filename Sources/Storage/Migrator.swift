import Foundation

/// One named, forward-only schema migration.
public struct Migration: Sendable, Hashable {
    /// The name recorded once the migration is applied; unique within a list.
    public var name: String
    /// One or more SQL statements.
    public var sql: String
    /// The statements PostgreSQL runs instead, where SQLite's differ (JSON checks, `rowid`…);
    /// nil means ``sql`` translated mechanically (``PluginSQLDialect/postgres(_:)``).
    public var postgresSQL: String?

    /// Makes a migration.
    public init(name: String, sql: String, postgresSQL: String? = nil) {
        self.name = name
        self.sql = sql
        self.postgresSQL = postgresSQL
    }

    /// A migration whose PostgreSQL statements are `sql` with each key of `postgres` replaced by
    /// its value, then `appending` added: for schemas that differ in a few clauses (a JSON
    /// check, an identity column). Every key must occur in `sql`; one that does not is a
    /// programming error and stops the process, so a test that opens the database finds it.
    public init(name: String, sql: String, postgres edits: KeyValuePairs<String, String>, appending: String = "") {
        var postgresSQL = sql
        for (from, to) in edits {
            precondition(postgresSQL.contains(from), "migration \(name): \(from) is not in its SQL")
            postgresSQL = postgresSQL.replacingOccurrences(of: from, with: to)
        }
        self.init(name: name, sql: sql, postgresSQL: postgresSQL + (appending.isEmpty ? "" : "\n" + appending))
    }

    /// The statements for `backend`.
    public func sql(for backend: SQLBackend) -> String {
        backend == .postgres ? postgresSQL ?? sql : sql
    }
}

/// Applies named, forward-only migrations, in the spirit of GRDB's `DatabaseMigrator`.
///
/// Applied names are recorded, in order, in
/// `_sb_migrations(name TEXT PRIMARY KEY, applied_at INTEGER)`. A database
/// whose history is not a prefix of the given list (an applied migration
/// that the list lacks, or a different order) is refused with `conflict`:
/// migrations are never edited, removed or reordered, only appended.
///
/// On PostgreSQL one call runs in one transaction under an advisory lock, so hosts that start
/// together against one database migrate it once, and a failing migration leaves the database
/// as the call found it.
public enum Migrator {
    /// The table that records applied migrations.
    public static let defaultTable = "_sb_migrations"

    /// Applies every migration of `migrations` that `connection` has not
    /// applied yet, in order, each in its own transaction.
    ///
    /// - Returns: the names applied by this call.
    /// - Throws: invalidArgument for empty or duplicate names; conflict when
    ///   the database's history disagrees with the list; the migration's own
    ///   error (its transaction rolled back) when its SQL fails.
    @discardableResult
    public static func apply(_ migrations: [Migration], to connection: any SQLDatabase) throws -> [String] {
        try apply(migrations, to: connection, table: defaultTable) { try connection.execute($0) }
    }

    /// The names `connection` has applied, in order.
    public static func appliedMigrations(in connection: any SQLDatabase) throws -> [String] {
        try appliedMigrations(in: connection, table: defaultTable)
    }

    /// The general form: `table` must be a trusted identifier, and `runSQL`
    /// runs one migration's SQL (plugin storage runs it in restricted mode).
    static func apply(
        _ migrations: [Migration], to connection: any SQLDatabase, table: String,
        now: @Sendable () -> Int64 = StorageSupport.wallClockMilliseconds,
        runSQL: (String) throws -> Void
    ) throws -> [String] {
        var seen = Set<String>()
        for migration in migrations {
            guard !migration.name.isEmpty else {
                throw StorageError(.invalidArgument, "a migration has an empty name")
            }
            guard seen.insert(migration.name).inserted else {
                throw StorageError(
                    .invalidArgument, "migration \(StorageSupport.quoted(migration.name)) is listed twice")
            }
        }
        let backend = connection.backend
        let qualified = backend == .sqlite ? "main.\(table)" : table
        func body() throws -> [String] {
            try connection.execute(
                backend == .sqlite
                    ? "CREATE TABLE IF NOT EXISTS \(qualified)(name TEXT PRIMARY KEY, applied_at INTEGER)"
                    : "CREATE TABLE IF NOT EXISTS \(qualified)(seq BIGINT GENERATED ALWAYS AS IDENTITY, name TEXT PRIMARY KEY, applied_at BIGINT)"
            )
            let applied = try appliedMigrations(in: connection, table: table)
            for (index, name) in applied.enumerated() {
                if index < migrations.count, migrations[index].name == name { continue }
                if seen.contains(name) {
                    throw StorageError(
                        .conflict,
                        "migration \(StorageSupport.quoted(name)) was applied in a different order than the list gives")
                }
                throw StorageError(
                    .conflict,
                    "the database has applied migration \(StorageSupport.quoted(name)), which the list does not contain"
                )
            }
            var newlyApplied: [String] = []
            for migration in migrations.dropFirst(applied.count) {
                do {
                    try connection.transaction {
                        try runSQL(migration.sql(for: backend))
                        try connection.run(
                            "INSERT INTO \(qualified)(name, applied_at) VALUES (?1, ?2)",
                            [.text(migration.name), .integer(now())])
                    }
                } catch let error as StorageError {
                    throw StorageError(
                        error.code, "migration \(StorageSupport.quoted(migration.name)) failed: \(error.message)",
                        sqliteCode: error.sqliteCode)
                }
                newlyApplied.append(migration.name)
            }
            return newlyApplied
        }
        if let sqlite = connection as? SQLiteConnection { return try sqlite.lock.withLock(body) }
        return try connection.transaction {
            _ = try connection.query("SELECT pg_advisory_xact_lock(?1)", [.integer(lockKey(table))])
            return try body()
        }
    }

    /// A stable 63-bit key for the advisory lock of a migrations table (FNV-1a).
    static func lockKey(_ table: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in table.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: hash >> 1)
    }

    /// The names recorded in `table`, in the order they were applied.
    static func appliedMigrations(in connection: any SQLDatabase, table: String) throws -> [String] {
        if connection.backend == .postgres {
            let exists = try connection.query("SELECT to_regclass(?1) IS NOT NULL", [.text(table)])
            guard exists.rows.first?.first == .integer(1) else { return [] }
            return try connection.query("SELECT name FROM \(table) ORDER BY seq", []).rows.compactMap {
                $0.first?.stringValue
            }
        }
        let exists = try connection.query(
            "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = ?1", [.text(table)])
        guard exists.scalar?.int64Value == 1 else { return [] }
        return try connection.query("SELECT name FROM main.\(table) ORDER BY rowid", []).rows.compactMap {
            $0.first?.stringValue
        }
    }
}
