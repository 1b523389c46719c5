import CSQLite
import Logging

/// The storage of one plugin for one tenant: a key-value table and the
/// plugin's own SQL tables, in one SQLite file that holds nothing else
/// (`<data>/tenants/<tenant>/plugins/<plugin>.sqlite`). Get one from
/// ``PluginStorageProvider/storage(tenant:plugin:migrations:)``.
///
/// **One connection, two modes.** The file has a single ``SQLiteConnection``.
/// The host's own statements (the KV calls, the migration bookkeeping) run
/// unrestricted. Everything the plugin wrote — ``sqlRun(_:_:)``,
/// ``sqlQuery(_:_:)`` and the SQL of its migrations — runs in *restricted
/// mode*: while the connection's lock is held a flag is raised, the SQLite
/// authorizer applies ``PluginSQLPolicy`` (no ATTACH/DETACH, no writable
/// PRAGMAs, no `load_extension`, no `_sb_*` tables, no transaction control),
/// statements come from a separate statement cache (so plugin SQL never
/// reuses a host statement the authorizer did not see), strings and BLOBs
/// are limited to 16 MiB, and each call is interrupted after a time limit.
/// The connection also has `SQLITE_LIMIT_ATTACHED` = 0 and extension loading off.
///
/// The file is opened with `locking_mode = EXCLUSIVE` (it belongs to this
/// process alone): reads skip the per-transaction `fcntl` lock calls, which
/// keeps ``kvGet(_:)`` at a few microseconds. While the storage is open no
/// other connection or process can use the file (they get `busy`).
///
/// All calls are thread-safe and atomic; they are serialized per file.
///
/// The SQLite implementation of ``PluginStore``.
public final class PluginStorage: PluginStore {
    /// The tenant this storage belongs to.
    public let tenant: String
    /// The plugin this storage belongs to.
    public let plugin: String
    /// The SQLite file.
    public let path: String
    /// The one connection to `path`.
    let connection: SQLiteConnection
    /// Milliseconds since the epoch; drives TTL expiry.
    let now: @Sendable () -> Int64
    /// The SQL this deployment accepts from plugins.
    let sqlDialect: PluginSQLDialect.Mode
    /// How long plugin statements and migrations may run.
    let timeLimits: PluginSQLTimeLimits
    private let checker: PluginSQLChecker

    /// The longest key, in bytes.
    public static let maxKeyBytes = 1024
    /// The largest value, and the largest string or BLOB plugin SQL may make, in bytes (16 MiB).
    public static let maxValueBytes = 16 * 1024 * 1024
    /// The most keys one ``kvList(prefix:startAfter:limit:)`` returns.
    public static let maxListLimit = 1000
    /// How long one plugin SQL call may run before it is interrupted.
    public static let statementTimeLimitMilliseconds: Int64 = 5_000
    /// How long the plugin's pending migrations may run, together, at open.
    public static let migrationTimeLimitMilliseconds: Int64 = 300_000
    /// The largest answer ``sqlQuery(_:_:)`` builds (64 MiB of values).
    public static let maxQueryResultBytes = 64 * 1024 * 1024

    /// The host's own schema in every plugin file, recorded in `_sb_host_migrations`.
    static let hostMigrations = [
        Migration(
            name: "001_kv",
            sql: """
                CREATE TABLE main._sb_kv(key BLOB PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER) WITHOUT ROWID;
                CREATE INDEX main._sb_kv_expires ON _sb_kv(expires_at) WHERE expires_at IS NOT NULL;
                """)
    ]

    /// Opens (creating) the file, sets up the KV table, locks the connection
    /// down and applies the plugin's migrations in restricted mode.
    init(
        tenant: String, plugin: String, path: String, migrations: [Migration],
        sqlDialect: PluginSQLDialect.Mode = .portable, timeLimits: PluginSQLTimeLimits = .standard,
        now: @escaping @Sendable () -> Int64, logger: Logger
    ) throws {
        self.sqlDialect = sqlDialect
        self.timeLimits = timeLimits
        checker = PluginSQLChecker(mode: sqlDialect)
        self.tenant = tenant
        self.plugin = plugin
        self.path = path
        self.now = now
        connection = try SQLiteConnection(path: path, exclusiveLocking: true)
        _ = try Migrator.apply(Self.hostMigrations, to: connection, table: "_sb_host_migrations", now: now) {
            try connection.execute($0)
        }
        connection.enableRestrictions(
            RestrictionSettings(
                policy: PluginSQLPolicy(),
                restrictedMaxLength: Int32(Self.maxValueBytes),
                // Room for a full-size value plus its key and the record header.
                hostMaxLength: Int32(Self.maxValueBytes + 64 * 1024)))
        let applied = try applyMigrations(migrations)
        logger.debug(
            "opened plugin storage",
            metadata: ["tenant": "\(tenant)", "plugin": "\(plugin)", "applied_migrations": "\(applied)"])
    }

    /// Applies those of `migrations` not yet applied; their SQL runs in restricted mode.
    @discardableResult
    public func applyMigrations(_ migrations: [Migration]) throws -> [String] {
        try Migrator.apply(migrations, to: connection, table: Migrator.defaultTable, now: now) { sql in
            try checker.check(sql)
            return try connection.withRestrictions(timeLimitMilliseconds: timeLimits.migrationMilliseconds) {
                try connection.execute(sql)
            }
        }
    }

    // MARK: SQL for plugins

    /// Runs one plugin statement in restricted mode.
    ///
    /// - Returns: the number of rows changed.
    /// - Throws: denied (isolation rules), invalidArgument (bad SQL, more than
    ///   one statement, wrong parameter count), conflict (constraints),
    ///   tooLarge, timeout, busy, io.
    @discardableResult
    public func sqlRun(_ sql: String, _ params: [SQLValue]) throws -> Int64 {
        try checker.check(sql)
        return try connection.withRestrictions(timeLimitMilliseconds: timeLimits.statementMilliseconds) {
            try connection.run(sql, params)
        }
    }

    /// Runs one plugin query in restricted mode and returns every row.
    ///
    /// - Throws: like ``sqlRun(_:_:)``, and tooLarge when the answer would
    ///   exceed ``maxQueryResultBytes``.
    public func sqlQuery(_ sql: String, _ params: [SQLValue]) throws -> QueryResult {
        try checker.check(sql)
        return try connection.withRestrictions(timeLimitMilliseconds: timeLimits.statementMilliseconds) {
            try connection.query(sql, params, maxResultBytes: Self.maxQueryResultBytes)
        }
    }
}
