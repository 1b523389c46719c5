import Foundation
import Logging


/// Opens and caches one ``PluginStorage`` per (tenant, plugin) under a data
/// directory: `<data>/tenants/<tenant>/plugins/<plugin>.sqlite`.
///
/// Tenant and plugin names must match `^[a-z0-9][a-z0-9_-]{0,63}$`, which
/// keeps every file inside the data directory (no `..`, `/` or NUL).
public final class PluginStorageProvider: Sendable {
    /// The root of all storage files.
    public let dataDirectory: String
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let sqlDialect: PluginSQLDialect.Mode
    private let state = LockedState(State())

    private struct Key: Hashable {
        var tenant: String
        var plugin: String
    }

    private struct Entry: Sendable {
        var storage: PluginStorage
        var migrations: [Migration]
    }

    /// A closed storage that callers may still hold. Its file stays locked
    /// until the last holder lets go, so reopening reuses it.
    private final class Retired {
        weak var storage: PluginStorage?
        let migrations: [Migration]

        init(_ entry: Entry) {
            storage = entry.storage
            migrations = entry.migrations
        }
    }

    private struct State {
        var open: [Key: Entry] = [:]
        var retired: [Key: Retired] = [:]
    }

    /// Makes a provider.
    ///
    /// - Parameters:
    ///   - dataDirectory: the root directory; created on first use.
    ///   - now: milliseconds since the epoch, for KV expiry (tests pass a fake clock).
    public init(
        dataDirectory: String, logger: Logger, sqlDialect: PluginSQLDialect.Mode = .portable,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) {
        self.sqlDialect = sqlDialect
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.now = now
    }

    /// The storage of `plugin` for `tenant`, opened (and migrated) on first
    /// use and cached afterwards. When `migrations` gained entries since the
    /// storage was opened, the new ones are applied.
    ///
    /// - Throws: invalidArgument for a bad tenant or plugin name; conflict
    ///   when the file's migration history disagrees with `migrations`; the
    ///   failing migration's error; io when the file cannot be opened.
    public func storage(tenant: String, plugin: String, migrations: [Migration]) throws -> PluginStorage {
        let file = try path(tenant: tenant, plugin: plugin)
        let key = Key(tenant: tenant, plugin: plugin)
        return try state.withLock { state in
            var entry: Entry
            if let open = state.open[key] {
                entry = open
            } else if let retired = state.retired.removeValue(forKey: key), let storage = retired.storage {
                entry = Entry(storage: storage, migrations: retired.migrations)
            } else {
                let storage = try PluginStorage(
                    tenant: tenant, plugin: plugin, path: file, migrations: migrations, sqlDialect: sqlDialect, now: now,
                    logger: logger)
                state.open[key] = Entry(storage: storage, migrations: migrations)
                return storage
            }
            if entry.migrations != migrations {
                try entry.storage.applyMigrations(migrations)
                entry.migrations = migrations
            }
            state.open[key] = entry
            return entry.storage
        }
    }

    /// The file path of (tenant, plugin), after validating both names.
    public func path(tenant: String, plugin: String) throws -> String {
        try StorageSupport.validateName(tenant, kind: "tenant")
        try StorageSupport.validateName(plugin, kind: "plugin")
        let root = dataDirectory.isEmpty ? "." : dataDirectory
        return "\(root)/tenants/\(tenant)/plugins/\(plugin).sqlite"
    }

    /// Forgets the cached storage of (tenant, plugin). Its file closes once
    /// no caller holds the ``PluginStorage`` any more; until then, asking for
    /// it again returns the same object.
    public func close(tenant: String, plugin: String) {
        state.withLock { state in
            if let entry = state.open.removeValue(forKey: Key(tenant: tenant, plugin: plugin)) {
                state.retired[Key(tenant: tenant, plugin: plugin)] = Retired(entry)
            }
            state.retired = state.retired.filter { $0.value.storage != nil }
        }
    }

    /// Forgets every cached storage (see ``close(tenant:plugin:)``).
    public func closeAll() {
        state.withLock { state in
            for (key, entry) in state.open { state.retired[key] = Retired(entry) }
            state.open.removeAll()
            state.retired = state.retired.filter { $0.value.storage != nil }
        }
    }

    /// Forgets a tenant's storages and deletes its files (`<data>/tenants/<tenant>`). Call once
    /// the tenant's instances have stopped: handles still held keep working on unlinked files.
    /// - Throws: invalidArgument for a bad tenant name; io when the files cannot be removed.
    public func removeTenant(_ tenant: String) throws {
        try StorageSupport.validateName(tenant, kind: "tenant")
        state.withLock { state in
            for key in state.open.keys where key.tenant == tenant { state.open[key] = nil }
            for key in state.retired.keys where key.tenant == tenant { state.retired[key] = nil }
        }
        let directory = "\(dataDirectory.isEmpty ? "." : dataDirectory)/tenants/\(tenant)"
        guard FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            throw StorageError(.io, "cannot remove \(directory): \(error)")
        }
    }

    /// Deletes expired KV entries in every open storage.
    /// - Returns: how many entries were deleted; failures are logged and skipped.
    @discardableResult
    public func sweepExpired() -> Int {
        let open = state.withLock { Array($0.open.values.map(\.storage)) }
        var total = 0
        for storage in open {
            do {
                total += try storage.sweepExpired()
            } catch {
                logger.warning(
                    "sweeping expired KV entries failed",
                    metadata: ["tenant": "\(storage.tenant)", "plugin": "\(storage.plugin)", "error": "\(error)"])
            }
        }
        return total
    }
}
