/// One named, forward-only schema migration.
public struct Migration: Sendable, Hashable {
    /// The name recorded once the migration is applied; unique within a list.
    public var name: String
    /// One or more SQL statements.
    public var sql: String

    /// Makes a migration.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// Applies named, forward-only migrations, in the spirit of GRDB's `DatabaseMigrator`.
///
/// Applied names are recorded, in order, in
/// `_sb_migrations(name TEXT PRIMARY KEY, applied_at INTEGER)`. A database
/// whose history is not a prefix of the given list (an applied migration
/// that the list lacks, or a different order) is refused with `conflict`:
/// migrations are never edited, removed or reordered, only appended.
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
    public static func apply(_ migrations: [Migration], to connection: SQLiteConnection) throws -> [String] {
        try apply(migrations, to: connection, table: defaultTable) { try connection.execute($0) }
    }

    /// The names `connection` has applied, in order.
    public static func appliedMigrations(in connection: SQLiteConnection) throws -> [String] {
        try appliedMigrations(in: connection, table: defaultTable)
    }

    /// The general form: `table` must be a trusted identifier, and `runSQL`
    /// runs one migration's SQL (plugin storage runs it in restricted mode).
    static func apply(
        _ migrations: [Migration], to connection: SQLiteConnection, table: String,
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
        return try connection.lock.withLock {
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS main.\(table)(name TEXT PRIMARY KEY, applied_at INTEGER)")
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
                        try runSQL(migration.sql)
                        try connection.run(
                            "INSERT INTO main.\(table)(name, applied_at) VALUES (?1, ?2)",
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
    }

    /// The names recorded in `table`, in the order they were applied.
    static func appliedMigrations(in connection: SQLiteConnection, table: String) throws -> [String] {
        let exists = try connection.query(
            "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = ?1", [.text(table)])
        guard exists.scalar?.int64Value == 1 else { return [] }
        return try connection.query("SELECT name FROM main.\(table) ORDER BY rowid").rows.compactMap {
            $0.first?.stringValue
        }
    }
}
