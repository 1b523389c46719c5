import SwitchboardStorage

/// The ``PluginStore`` of one (tenant, plugin) on PostgreSQL (see ``PostgresPluginStoreBackend``).
///
/// **KV**: rows of the host table `plugin_kv`; every statement names the tenant and the plugin,
/// so no key, however crafted, reaches another pair's rows. Semantics are the SQLite store's:
/// the same limits (``PluginKVRules``), expired entries invisible until swept, byte-ordered keys
/// (`BYTEA` compares bytewise), the same compare-and-swap outcomes.
///
/// **SQL**: each plugin statement passes the portable dialect check, then runs in a transaction
/// of its own that begins `SET LOCAL ROLE <schema>`, `SET LOCAL search_path TO <schema>, pg_temp`
/// and `SET LOCAL statement_timeout`. The role owns its schema and nothing else, so the server
/// itself refuses other schemas — another plugin's, the host's — even by qualified name (denied).
/// Migrations run the same way, their history in `<schema>._sb_migrations`, owned by the host
/// (the plugin can neither read nor change it).
public final class PostgresPluginStore: PluginStore {
    public let tenant: String
    public let plugin: String
    /// The plugin's schema, and the name of its role.
    public let schema: String
    let database: PostgresSQLDatabase
    let timeLimits: PluginSQLTimeLimits
    let now: @Sendable () -> Int64
    private let checker = PluginSQLChecker(mode: .portable)

    init(
        tenant: String, plugin: String, schema: String, database: PostgresSQLDatabase,
        timeLimits: PluginSQLTimeLimits, now: @escaping @Sendable () -> Int64
    ) {
        self.tenant = tenant
        self.plugin = plugin
        self.schema = schema
        self.database = database
        self.timeLimits = timeLimits
        self.now = now
    }

    /// `sbp_` and 16 random hex digits: short, and unlikely to meet a role of another deployment
    /// on the same server (roles are per server, not per database).
    static func newSchemaName() -> String {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return "sbp_" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// True for a name ``newSchemaName()`` makes.
    static func isSchemaName(_ name: String) -> Bool {
        name.hasPrefix("sbp_") && name.utf8.count == 20
            && name.utf8.dropFirst(4).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    // MARK: KV

    static let getSQL = """
        SELECT value FROM plugin_kv WHERE tenant = ?1 AND plugin = ?2 AND key = ?3
        AND (expires_at IS NULL OR expires_at > ?4)
        """
    static let putSQL = """
        INSERT INTO plugin_kv(tenant, plugin, key, value, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (tenant, plugin, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
        """
    static let insertSQL = """
        INSERT INTO plugin_kv(tenant, plugin, key, value, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (tenant, plugin, key) DO NOTHING
        """
    static let deleteSQL = "DELETE FROM plugin_kv WHERE tenant = ?1 AND plugin = ?2 AND key = ?3 RETURNING expires_at"
    static let lockSQL = "SELECT value, expires_at FROM plugin_kv WHERE tenant = ?1 AND plugin = ?2 AND key = ?3 FOR UPDATE"
    static let listSQL = """
        SELECT key FROM plugin_kv WHERE tenant = ?1 AND plugin = ?2 AND key >= ?3 AND key < ?4
        AND (expires_at IS NULL OR expires_at > ?5) ORDER BY key LIMIT ?6
        """
    static let sweepSQL = """
        DELETE FROM plugin_kv WHERE tenant = ?1 AND plugin = ?2 AND expires_at IS NOT NULL AND expires_at <= ?3
        """

    private var owner: [SQLValue] { [.text(tenant), .text(plugin)] }

    public func kvGet(_ key: UnsafeRawBufferPointer) throws -> [UInt8]? {
        try PluginKVRules.validateKey(key)
        let rows = try database.query(Self.getSQL, owner + [.blob(Array(key)), .integer(now())]).rows
        return rows.first?.first?.blobValue
    }

    public func kvPut(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, ttlMs: UInt64) throws {
        try PluginKVRules.validateKey(key)
        try PluginKVRules.validateValue(value)
        try database.run(Self.putSQL, owner + [.blob(Array(key)), .blob(Array(value)), expiry(ttlMs)])
    }

    @discardableResult
    public func kvDelete(key: UnsafeRawBufferPointer) throws -> Bool {
        try PluginKVRules.validateKey(key)
        let now = self.now()
        let rows = try database.query(Self.deleteSQL, owner + [.blob(Array(key))]).rows
        return rows.contains { row in
            guard let expiresAt = row.first else { return false }
            return expiresAt == .null || (expiresAt.int64Value ?? 0) > now
        }
    }

    public func kvList(prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer, limit: Int) throws
        -> (keys: [[UInt8]], next: [UInt8]?)
    {
        let bounds = try PluginKVRules.listBounds(prefix: prefix, startAfter: startAfter, limit: limit)
        let rows = try database.query(
            Self.listSQL,
            owner + [
                .blob(bounds.lower), .blob(bounds.upper), .integer(now()), .integer(Int64(bounds.pageSize + 1)),
            ]
        ).rows
        return PluginKVRules.page(rows.compactMap { $0.first?.blobValue }, pageSize: bounds.pageSize)
    }

    /// Locks the key's row (live or expired) when there is one, compares, then writes. When there
    /// was no row, the write is an insert that does nothing if another caller inserted the key
    /// meanwhile: that caller's value came first, so the comparison with "absent" fails.
    public func kvCompareAndSwap(
        key: UnsafeRawBufferPointer, expected: UnsafeRawBufferPointer?, desired: UnsafeRawBufferPointer?,
        ttlMs: UInt64
    ) throws {
        try PluginKVRules.validateKey(key)
        if let desired { try PluginKVRules.validateValue(desired) }
        let keyValue = SQLValue.blob(Array(key))
        try database.transaction {
            let now = self.now()
            let row = try database.query(Self.lockSQL, owner + [keyValue]).rows.first
            let live: [UInt8]? = row.flatMap { row in
                let expiresAt = row.count > 1 ? row[1] : .null
                guard expiresAt == .null || (expiresAt.int64Value ?? 0) > now else { return nil }
                return row.first?.blobValue
            }
            try PluginKVRules.compare(current: live, expected: expected)
            if let desired {
                let values = owner + [keyValue, .blob(Array(desired)), expiry(ttlMs)]
                if row != nil {
                    try database.run(Self.putSQL, values)
                } else if try database.run(Self.insertSQL, values) == 0 {
                    throw StorageError(.conflict, "compare-and-swap failed: the key exists")
                }
            } else if row != nil {
                try database.run(Self.deleteSQL, owner + [keyValue])
            }
        }
    }

    @discardableResult
    public func sweepExpired() throws -> Int {
        Int(try database.run(Self.sweepSQL, owner + [.integer(now())]))
    }

    private func expiry(_ ttlMs: UInt64) -> SQLValue {
        PluginKVRules.expiry(ttlMs: ttlMs, now: now()).map { .integer($0) } ?? .null
    }

    // MARK: SQL

    @discardableResult
    public func sqlRun(_ sql: String, _ params: [SQLValue]) throws -> Int64 {
        try admit(sql, params)
        return try asPlugin(timeLimits.statementMilliseconds) { try database.run(sql, params) }
    }

    public func sqlQuery(_ sql: String, _ params: [SQLValue]) throws -> QueryResult {
        try admit(sql, params)
        let result = try asPlugin(timeLimits.statementMilliseconds) { try database.query(sql, params) }
        var bytes = 0
        for row in result.rows {
            for value in row { bytes += Self.size(value) }
            guard bytes <= PluginStorage.maxQueryResultBytes else {
                throw StorageError(
                    .tooLarge, "the query's answer exceeds \(PluginStorage.maxQueryResultBytes) bytes of values")
            }
        }
        return result
    }

    @discardableResult
    public func applyMigrations(_ migrations: [Migration]) throws -> [String] {
        try Migrator.apply(migrations, to: database, historyTable: "\(schema)._sb_migrations", now: now) { sql in
            try checker.check(sql)
            try asPlugin(timeLimits.migrationMilliseconds) { try database.execute(sql) }
        }
    }

    /// The checks SQLite makes before a plugin statement runs: the dialect, one statement, value sizes.
    private func admit(_ sql: String, _ params: [SQLValue]) throws {
        try checker.check(sql)
        guard try PluginSQLDialect.statements(sql).count == 1 else {
            throw StorageError(.invalidArgument, "one statement per call (this SQL has several or none)")
        }
        let expected = try PluginSQLDialect.parameterCount(sql)
        guard params.count == expected else {
            throw StorageError(.invalidArgument, "the statement takes \(expected) parameters, not \(params.count)")
        }
        for param in params where Self.size(param) > PluginStorage.maxValueBytes {
            throw StorageError(.tooLarge, "a parameter exceeds \(PluginStorage.maxValueBytes) bytes")
        }
    }

    /// Runs `body` as the plugin's role, in its schema, under `limit` ms per statement.
    private func asPlugin<T>(_ limit: Int64, _ body: () throws -> T) throws -> T {
        try database.withLocalSettings(
            role: schema, searchPath: [schema, "pg_temp"], statementTimeoutMilliseconds: limit, body)
    }

    private static func size(_ value: SQLValue) -> Int {
        switch value {
        case .null: 0
        case .integer, .real: 8
        case .text(let text): text.utf8.count
        case .blob(let bytes): bytes.count
        }
    }
}
