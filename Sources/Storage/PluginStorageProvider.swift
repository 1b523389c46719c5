import Logging
import Synchronization

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
    private let storages = Mutex<[Key: Entry]>([:])

    private struct Key: Hashable {
        var tenant: String
        var plugin: String
    }

    private struct Entry: Sendable {
        var storage: PluginStorage
        var migrations: [Migration]
    }

    /// Makes a provider.
    ///
    /// - Parameters:
    ///   - dataDirectory: the root directory; created on first use.
    ///   - now: milliseconds since the epoch, for KV expiry (tests pass a fake clock).
    public init(
        dataDirectory: String, logger: Logger,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) {
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
        return try storages.withLock { storages in
            if var entry = storages[key] {
                if entry.migrations != migrations {
                    try entry.storage.applyMigrations(migrations)
                    entry.migrations = migrations
                    storages[key] = entry
                }
                return entry.storage
            }
            let storage = try PluginStorage(
                tenant: tenant, plugin: plugin, path: file, migrations: migrations, now: now, logger: logger)
            storages[key] = Entry(storage: storage, migrations: migrations)
            return storage
        }
    }

    /// The file path of (tenant, plugin), after validating both names.
    public func path(tenant: String, plugin: String) throws -> String {
        try StorageSupport.validateName(tenant, kind: "tenant")
        try StorageSupport.validateName(plugin, kind: "plugin")
        let root = dataDirectory.isEmpty ? "." : dataDirectory
        return "\(root)/tenants/\(tenant)/plugins/\(plugin).sqlite"
    }

    /// Forgets the cached storage of (tenant, plugin); its file closes once
    /// no caller holds the ``PluginStorage`` any more.
    public func close(tenant: String, plugin: String) {
        _ = storages.withLock { $0.removeValue(forKey: Key(tenant: tenant, plugin: plugin)) }
    }

    /// Forgets every cached storage.
    public func closeAll() {
        storages.withLock { $0.removeAll() }
    }

    /// Deletes expired KV entries in every open storage.
    /// - Returns: how many entries were deleted; failures are logged and skipped.
    @discardableResult
    public func sweepExpired() -> Int {
        let open = storages.withLock { Array($0.values.map(\.storage)) }
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
