import Foundation
import Logging

/// Opens and caches one ``PluginStore`` per (tenant, plugin) on a ``PluginStoreBackend``: by
/// default SQLite files under a data directory, `<data>/tenants/<tenant>/plugins/<plugin>.sqlite`;
/// or a PostgreSQL database (`PluginStorageProvider(postgres:logger:)` in `SwitchboardPostgres`).
///
/// Tenant and plugin names must match `^[a-z0-9][a-z0-9_-]{0,63}$`, which keeps every file
/// inside the data directory (no `..`, `/` or NUL) and every PostgreSQL name short and plain.
public final class PluginStorageProvider: Sendable {
    /// The root of all storage files; empty when the provider is not backed by SQLite files.
    public let dataDirectory: String
    /// Where the stores live.
    public let backend: any PluginStoreBackend
    private let settings: PluginStoreSettings
    private let state = LockedState(State())

    private struct Key: Hashable {
        var tenant: String
        var plugin: String
    }

    private struct Entry: Sendable {
        var store: any PluginStore
        var migrations: [Migration]
    }

    /// A closed store that callers may still hold. A SQLite file stays locked until the last
    /// holder lets go, so reopening reuses it.
    private final class Retired {
        weak var store: (any PluginStore)?
        let migrations: [Migration]

        init(_ entry: Entry) {
            store = entry.store
            migrations = entry.migrations
        }
    }

    private struct State {
        var open: [Key: Entry] = [:]
        var retired: [Key: Retired] = [:]
    }

    /// Makes a provider of SQLite files under `dataDirectory`.
    ///
    /// - Parameters:
    ///   - dataDirectory: the root directory; created on first use.
    ///   - timeLimits: how long plugin SQL may run (tests shorten them).
    ///   - now: milliseconds since the epoch, for KV expiry (tests pass a fake clock).
    public convenience init(
        dataDirectory: String, logger: Logger, sqlDialect: PluginSQLDialect.Mode = .portable,
        timeLimits: PluginSQLTimeLimits = .standard, now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) {
        self.init(
            backend: SQLitePluginStoreBackend(dataDirectory: dataDirectory), dataDirectory: dataDirectory,
            logger: logger, sqlDialect: sqlDialect, timeLimits: timeLimits, now: now)
    }

    /// Makes a provider on another backend (`SwitchboardPostgres` offers
    /// `PluginStorageProvider(postgres:logger:timeLimits:now:)`, which builds the backend).
    ///
    /// - Parameters:
    ///   - sqlDialect: the SQL accepted from plugins; a PostgreSQL backend checks `.portable` whatever this says.
    ///   - timeLimits: how long plugin SQL may run (tests shorten them).
    ///   - now: milliseconds since the epoch, for KV expiry (tests pass a fake clock).
    public convenience init(
        backend: any PluginStoreBackend, logger: Logger, sqlDialect: PluginSQLDialect.Mode = .portable,
        timeLimits: PluginSQLTimeLimits = .standard, now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) {
        self.init(
            backend: backend, dataDirectory: "", logger: logger, sqlDialect: sqlDialect, timeLimits: timeLimits,
            now: now)
    }

    private init(
        backend: any PluginStoreBackend, dataDirectory: String, logger: Logger, sqlDialect: PluginSQLDialect.Mode,
        timeLimits: PluginSQLTimeLimits, now: @escaping @Sendable () -> Int64
    ) {
        self.backend = backend
        self.dataDirectory = dataDirectory
        settings = PluginStoreSettings(sqlDialect: sqlDialect, timeLimits: timeLimits, now: now, logger: logger)
    }

    /// The store of `plugin` for `tenant`, opened (and migrated) on first use and cached
    /// afterwards. When `migrations` gained entries since the store was opened, the new ones
    /// are applied.
    ///
    /// - Throws: invalidArgument for a bad tenant or plugin name; conflict when the recorded
    ///   migration history disagrees with `migrations`; the failing migration's error; io when
    ///   the file or the server cannot be reached.
    public func store(tenant: String, plugin: String, migrations: [Migration]) throws -> any PluginStore {
        try StorageSupport.validateName(tenant, kind: "tenant")
        try StorageSupport.validateName(plugin, kind: "plugin")
        let key = Key(tenant: tenant, plugin: plugin)
        return try state.withLock { state in
            var entry: Entry
            if let open = state.open[key] {
                entry = open
            } else if let retired = state.retired.removeValue(forKey: key), let store = retired.store {
                entry = Entry(store: store, migrations: retired.migrations)
            } else {
                let store = try backend.openStore(
                    tenant: tenant, plugin: plugin, migrations: migrations, settings: settings)
                state.open[key] = Entry(store: store, migrations: migrations)
                return store
            }
            if entry.migrations != migrations {
                try entry.store.applyMigrations(migrations)
                entry.migrations = migrations
            }
            state.open[key] = entry
            return entry.store
        }
    }

    /// ``store(tenant:plugin:migrations:)`` as the SQLite ``PluginStorage`` it is on the default backend.
    /// - Throws: as ``store(tenant:plugin:migrations:)``; invalidArgument on another backend.
    public func storage(tenant: String, plugin: String, migrations: [Migration]) throws -> PluginStorage {
        guard let storage = try store(tenant: tenant, plugin: plugin, migrations: migrations) as? PluginStorage else {
            throw StorageError(
                .invalidArgument, "this provider is not backed by SQLite files: use store(tenant:plugin:migrations:)")
        }
        return storage
    }

    /// The SQLite file path of (tenant, plugin) under ``dataDirectory``, after validating both names.
    public func path(tenant: String, plugin: String) throws -> String {
        try StorageSupport.validateName(tenant, kind: "tenant")
        try StorageSupport.validateName(plugin, kind: "plugin")
        return SQLitePluginStoreBackend(dataDirectory: dataDirectory).path(tenant: tenant, plugin: plugin)
    }

    /// Forgets the cached store of (tenant, plugin). A SQLite file closes once no caller holds
    /// the store any more; until then, asking for it again returns the same object.
    public func close(tenant: String, plugin: String) {
        state.withLock { state in
            if let entry = state.open.removeValue(forKey: Key(tenant: tenant, plugin: plugin)) {
                state.retired[Key(tenant: tenant, plugin: plugin)] = Retired(entry)
            }
            state.retired = state.retired.filter { $0.value.store != nil }
        }
    }

    /// Forgets every cached store (see ``close(tenant:plugin:)``).
    public func closeAll() {
        state.withLock { state in
            for (key, entry) in state.open { state.retired[key] = Retired(entry) }
            state.open.removeAll()
            state.retired = state.retired.filter { $0.value.store != nil }
        }
    }

    /// Forgets a tenant's stores and deletes what they held: on SQLite its files
    /// (`<data>/tenants/<tenant>`), on PostgreSQL its KV rows, schemas and roles. Call once the
    /// tenant's instances have stopped: SQLite handles still held keep working on unlinked files.
    /// - Throws: invalidArgument for a bad tenant name; io when the data cannot be removed.
    public func removeTenant(_ tenant: String) throws {
        try StorageSupport.validateName(tenant, kind: "tenant")
        state.withLock { state in
            for key in state.open.keys where key.tenant == tenant { state.open[key] = nil }
            for key in state.retired.keys where key.tenant == tenant { state.retired[key] = nil }
        }
        try backend.removeTenant(tenant)
    }

    /// Deletes expired KV entries in every open store.
    /// - Returns: how many entries were deleted; failures are logged and skipped.
    @discardableResult
    public func sweepExpired() -> Int {
        let open = state.withLock { Array($0.open.values.map(\.store)) }
        var total = 0
        for store in open {
            do {
                total += try store.sweepExpired()
            } catch {
                settings.logger.warning(
                    "sweeping expired KV entries failed",
                    metadata: ["tenant": "\(store.tenant)", "plugin": "\(store.plugin)", "error": "\(error)"])
            }
        }
        return total
    }
}
