import Foundation
import Logging

/// How long plugin SQL may run.
public struct PluginSQLTimeLimits: Sendable, Hashable {
    /// One ``PluginStore/sqlRun(_:_:)`` or ``PluginStore/sqlQuery(_:_:)`` call.
    public var statementMilliseconds: Int64
    /// The plugin's pending migrations (SQLite: together; PostgreSQL: each statement).
    public var migrationMilliseconds: Int64

    /// Makes limits.
    public init(statementMilliseconds: Int64, migrationMilliseconds: Int64) {
        self.statementMilliseconds = statementMilliseconds
        self.migrationMilliseconds = migrationMilliseconds
    }

    /// 5 s per statement, 5 minutes of migrations.
    public static let standard = Self(
        statementMilliseconds: PluginStorage.statementTimeLimitMilliseconds,
        migrationMilliseconds: PluginStorage.migrationTimeLimitMilliseconds)
}

/// What a ``PluginStoreBackend`` opens every store with.
public struct PluginStoreSettings: Sendable {
    /// The SQL the deployment accepts from plugins (PostgreSQL always checks `.portable`).
    public var sqlDialect: PluginSQLDialect.Mode
    /// How long plugin SQL may run.
    public var timeLimits: PluginSQLTimeLimits
    /// Milliseconds since the epoch; drives TTL expiry.
    public var now: @Sendable () -> Int64
    public var logger: Logger

    /// Makes settings.
    public init(
        sqlDialect: PluginSQLDialect.Mode, timeLimits: PluginSQLTimeLimits, now: @escaping @Sendable () -> Int64,
        logger: Logger
    ) {
        self.sqlDialect = sqlDialect
        self.timeLimits = timeLimits
        self.now = now
        self.logger = logger
    }
}

/// Where a ``PluginStorageProvider`` keeps plugin storage: SQLite files under a data directory
/// (the default) or a PostgreSQL database (`PostgresPluginStoreBackend` in `SwitchboardPostgres`).
/// The provider validates names and caches stores; a backend only opens and removes them.
public protocol PluginStoreBackend: Sendable {
    /// Opens (creating) the store of (tenant, plugin) and applies `migrations`. The names are
    /// already validated (`^[a-z0-9][a-z0-9_-]{0,63}$`).
    func openStore(tenant: String, plugin: String, migrations: [Migration], settings: PluginStoreSettings) throws
        -> any PluginStore
    /// Deletes everything the tenant stored (KV entries, SQL tables and whatever isolated them).
    func removeTenant(_ tenant: String) throws
}

/// The embedded default: `<data>/tenants/<tenant>/plugins/<plugin>.sqlite`, one ``PluginStorage`` each.
struct SQLitePluginStoreBackend: PluginStoreBackend {
    /// The root of all storage files ("" means the current directory).
    let dataDirectory: String

    var root: String { dataDirectory.isEmpty ? "." : dataDirectory }

    func path(tenant: String, plugin: String) -> String {
        "\(root)/tenants/\(tenant)/plugins/\(plugin).sqlite"
    }

    func openStore(tenant: String, plugin: String, migrations: [Migration], settings: PluginStoreSettings) throws
        -> any PluginStore
    {
        try PluginStorage(
            tenant: tenant, plugin: plugin, path: path(tenant: tenant, plugin: plugin), migrations: migrations,
            sqlDialect: settings.sqlDialect, timeLimits: settings.timeLimits, now: settings.now,
            logger: settings.logger)
    }

    func removeTenant(_ tenant: String) throws {
        let directory = "\(root)/tenants/\(tenant)"
        guard FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            throw StorageError(.io, "cannot remove \(directory): \(error)")
        }
    }
}
