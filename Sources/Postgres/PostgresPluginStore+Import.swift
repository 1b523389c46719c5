import SwitchboardStorage

/// Bringing a plugin's storage over from elsewhere (`switchboard migrate-data`): what a plugin
/// cannot do through ``PluginStore`` itself — write KV entries with their original expiry,
/// record migrations it applied on another backend, and move identity columns past the ids it
/// copied. None of these is reachable from plugin code.
extension PostgresPluginStore {
    /// One applied migration of another backend's history.
    public struct ImportedMigration: Sendable, Hashable {
        /// The migration's name, as the plugin's manifest gives it.
        public var name: String
        /// When it was applied there (milliseconds since the epoch).
        public var appliedAt: Int64

        /// Makes an entry.
        public init(name: String, appliedAt: Int64) {
            self.name = name
            self.appliedAt = appliedAt
        }
    }

    /// Records `history` as this store's applied migrations, so the plugin's own migrations with
    /// those names are not run again when it opens the store.
    ///
    /// - Throws: conflict when the store has applied migrations already (an import starts from
    ///   an empty history); the database's error.
    public func importMigrationHistory(_ history: [ImportedMigration]) throws {
        try database.transaction {
            // An empty list applies nothing and creates the history table when it is missing.
            try applyMigrations([])
            let table = "\(schema)._sb_migrations"
            let existing = try database.query("SELECT count(*) FROM \(table)", []).rows.first?.first?.int64Value ?? 0
            guard existing == 0 else {
                throw StorageError(.conflict, "the plugin store of \(tenant)/\(plugin) has a migration history already")
            }
            for entry in history {
                try database.run(
                    "INSERT INTO \(table)(name, applied_at) VALUES (?1, ?2)",
                    [.text(entry.name), .integer(entry.appliedAt)])
            }
        }
    }

    /// Writes one KV entry as it was: `expiresAt` is the absolute expiry in milliseconds since
    /// the epoch (nil: none), not a time to live.
    /// - Throws: invalidArgument or tooLarge as ``kvPut(key:value:ttlMs:)``; the database's error.
    public func importKVEntry(key: [UInt8], value: [UInt8], expiresAt: Int64?) throws {
        try key.withUnsafeBytes { try PluginKVRules.validateKey($0) }
        try value.withUnsafeBytes { try PluginKVRules.validateValue($0) }
        try database.run(
            Self.putSQL,
            [.text(tenant), .text(plugin), .blob(key), .blob(value), expiresAt.map { .integer($0) } ?? .null])
    }

    /// Moves every identity column of the plugin's tables (an `INTEGER PRIMARY KEY`) past the
    /// largest value it holds, so rows the plugin inserts later get fresh ids after rows were
    /// copied with theirs.
    /// - Returns: how many columns were moved.
    @discardableResult
    public func advanceIdentityColumns() throws -> Int {
        let columns = try database.query(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = ?1 AND is_identity = 'YES' AND table_name NOT LIKE '\\_sb\\_%' ESCAPE '\\' ORDER BY table_name, column_name
            """, [.text(schema)])
        var moved = 0
        for row in columns.rows {
            guard row.count == 2, let table = row[0].stringValue, let column = row[1].stringValue,
                Self.isPlainIdentifier(table), Self.isPlainIdentifier(column)
            else { continue }
            try database.withLocalSettings(
                role: schema, searchPath: [schema, "pg_temp"],
                statementTimeoutMilliseconds: timeLimits.migrationMilliseconds
            ) {
                _ = try database.query(
                    """
                    SELECT setval(pg_get_serial_sequence(?1, ?2), m, true)
                    FROM (SELECT max(\(column)) AS m FROM \(schema).\(table)) AS highest WHERE m IS NOT NULL
                    """, [.text("\(schema).\(table)"), .text(column)])
            }
            moved += 1
        }
        return moved
    }

    /// A lower-case identifier that needs no quoting.
    private static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, (first >= 97 && first <= 122) || first == 95 else { return false }
        return text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
