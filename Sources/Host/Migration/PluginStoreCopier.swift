import SwitchboardPostgres
import SwitchboardStorage

/// Copies one plugin's storage for one tenant from its SQLite file into its PostgreSQL store:
/// the plugin's tables (their CREATE statements as its migrations ran them, through the store's
/// own SQL path so they are translated and owned by the plugin's role), their rows, the names of
/// the migrations it applied (so opening the store with the manifest applies nothing again), and
/// the live KV entries with their expiry.
struct PluginStoreCopier {
    /// The rows of one plugin table.
    struct TableRows: Sendable, Hashable {
        var name: String
        var rows: Int64
    }

    /// What was copied.
    struct Result: Sendable, Hashable {
        var tenant: String
        var plugin: String
        /// Rows per plugin table, in copy order.
        var tables: [TableRows]
        var kvEntries: Int
        var migrations: [String]

        var rows: Int64 { tables.reduce(0) { $0 + $1.rows } }
    }

    let file: SQLiteSource.PluginFile
    let provider: PluginStorageProvider
    /// Milliseconds since the epoch: entries expiring by then are not copied.
    let now: Int64
    /// Parameters per INSERT.
    var parametersPerStatement = 1_000

    /// Copies the file into the store of (tenant, plugin).
    /// - Throws: copyFailed naming the store and the step; the database's error.
    func copy() throws -> Result {
        let connection = try SQLiteConnection(path: file.path)
        let reader = SQLiteTableReader(connection: connection)
        guard let store = try provider.store(tenant: file.tenant, plugin: file.plugin, migrations: [])
            as? PostgresPluginStore
        else {
            throw DataMigrationError(.copyFailed, "the target's plugin storage is not on PostgreSQL")
        }
        var result = Result(tenant: file.tenant, plugin: file.plugin, tables: [], kvEntries: 0, migrations: [])
        let tables = try reader.tables()
        for table in tables { try step("create table \(table.name)") { try store.sqlRun(table.sql, []) } }
        for object in try reader.otherObjects() {
            try step("create \(object.type) \(object.name)") { try store.sqlRun(object.sql, []) }
        }
        for table in tables {
            var copied: Int64 = 0
            let rowsPerStatement = max(1, parametersPerStatement / max(1, table.columns.count))
            try step("copy rows of \(table.name)") {
                try reader.forEachPage(of: table, pageSize: rowsPerStatement) { rows in
                    try store.sqlRun(
                        InsertStatement.sql(table: table.name, columns: table.columns, rows: rows.count),
                        rows.flatMap { $0 })
                    copied += Int64(rows.count)
                }
                let target = try store.sqlQuery("SELECT count(*) FROM \(SQLIdentifier.plain(table.name))", [])
                    .rows.first?.first?.int64Value ?? -1
                guard target == copied else {
                    throw DataMigrationError(
                        .verificationFailed, "\(table.name) has \(copied) rows in SQLite, \(target) on PostgreSQL")
                }
            }
            result.tables.append(TableRows(name: table.name, rows: copied))
        }
        try step("advance identity columns") { try store.advanceIdentityColumns() }
        let history = try migrationHistory(connection)
        try step("record the migration history") { try store.importMigrationHistory(history) }
        result.migrations = history.map(\.name)
        result.kvEntries = try step("copy KV entries") { try copyKV(connection, into: store) }
        return result
    }

    /// The plugin's applied migrations, in order (none when it never declared any).
    private func migrationHistory(_ connection: SQLiteConnection) throws -> [PostgresPluginStore.ImportedMigration] {
        guard try hasTable("_sb_migrations", connection) else { return [] }
        return try connection.query("SELECT name, applied_at FROM _sb_migrations ORDER BY rowid", []).rows.compactMap {
            row in
            guard let name = row[0].stringValue else { return nil }
            return PostgresPluginStore.ImportedMigration(name: name, appliedAt: row[1].int64Value ?? 0)
        }
    }

    /// Copies the live KV entries; returns how many.
    private func copyKV(_ connection: SQLiteConnection, into store: PostgresPluginStore) throws -> Int {
        guard try hasTable("_sb_kv", connection) else { return 0 }
        let rows = try connection.query(
            "SELECT key, value, expires_at FROM _sb_kv WHERE expires_at IS NULL OR expires_at > ?1 ORDER BY key",
            [.integer(now)]
        ).rows
        for row in rows {
            guard let key = row[0].blobValue, let value = row[1].blobValue else {
                throw DataMigrationError(.copyFailed, "a KV entry of \(file.tenant)/\(file.plugin) is not bytes")
            }
            try store.importKVEntry(key: key, value: value, expiresAt: row[2].int64Value)
        }
        return rows.count
    }

    private func hasTable(_ name: String, _ connection: SQLiteConnection) throws -> Bool {
        try connection.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [.text(name)])
            .scalar?.int64Value == 1
    }

    /// Runs `body`, naming the store and `what` in its error.
    @discardableResult
    private func step<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DataMigrationError {
            throw DataMigrationError(error.code, "plugin store \(file.tenant)/\(file.plugin): \(what): \(error.message)")
        } catch {
            throw DataMigrationError(.copyFailed, "plugin store \(file.tenant)/\(file.plugin): \(what): \(error)")
        }
    }
}
