/// The storage of one plugin for one tenant, as the host's services use it: a key-value table
/// and the plugin's own SQL tables, on whichever backend the deployment runs.
///
/// Two implementations: ``PluginStorage`` (one SQLite file per (tenant, plugin), the embedded
/// default) and `PostgresPluginStore` in `SwitchboardPostgres` (shared host tables filtered by
/// (tenant, plugin) for KV; a schema and a role of its own for SQL). Both keep the same rules —
/// key and value limits (``PluginKVRules``), TTL expiry, byte-ordered listing, compare-and-swap,
/// the portable dialect check, one statement per call, the same ``StorageError`` codes — so a
/// plugin sees no difference. Get one from ``PluginStorageProvider/store(tenant:plugin:migrations:)``.
///
/// Every call is thread-safe and atomic.
public protocol PluginStore: AnyObject, Sendable {
    /// The tenant this storage belongs to.
    var tenant: String { get }
    /// The plugin this storage belongs to.
    var plugin: String { get }

    /// The value stored under `key`, or nil when it is absent or expired.
    /// - Throws: invalidArgument for a key that is empty, longer than 1024 bytes or not UTF-8.
    func kvGet(_ key: UnsafeRawBufferPointer) throws -> [UInt8]?
    /// Stores `value` under `key`, replacing any previous value; `ttlMs` 0 keeps it until deleted.
    /// - Throws: invalidArgument for a bad key; tooLarge for a value over 16 MiB.
    func kvPut(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, ttlMs: UInt64) throws
    /// Deletes `key`; true when a live (unexpired) entry was deleted.
    @discardableResult
    func kvDelete(key: UnsafeRawBufferPointer) throws -> Bool
    /// Live keys starting with `prefix`, in byte order, after `startAfter` (empty: from the start);
    /// `limit` 0 means 1000 and more is capped. `next` is the last key returned when more remain.
    func kvList(prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer, limit: Int) throws
        -> (keys: [[UInt8]], next: [UInt8]?)
    /// When the live value of `key` equals `expected` (nil: absent or expired), writes `desired`
    /// with `ttlMs` (nil: deletes the key), atomically.
    /// - Throws: conflict when the comparison fails; nothing is written then.
    func kvCompareAndSwap(
        key: UnsafeRawBufferPointer, expected: UnsafeRawBufferPointer?, desired: UnsafeRawBufferPointer?,
        ttlMs: UInt64) throws
    /// Deletes every expired entry; returns how many.
    @discardableResult
    func sweepExpired() throws -> Int

    /// Runs one plugin statement in the plugin's sandbox; returns the rows it changed.
    /// - Throws: denied (isolation rules), invalidArgument (bad SQL, more than one statement,
    ///   outside the dialect), conflict (constraints), tooLarge, timeout, busy, io.
    @discardableResult
    func sqlRun(_ sql: String, _ params: [SQLValue]) throws -> Int64
    /// Runs one plugin query in the plugin's sandbox and returns every row.
    /// - Throws: like ``sqlRun(_:_:)``, and tooLarge when the answer exceeds 64 MiB.
    func sqlQuery(_ sql: String, _ params: [SQLValue]) throws -> QueryResult

    /// Applies those of the plugin's `migrations` not yet applied, its SQL in the sandbox.
    /// - Returns: the names applied by this call.
    /// - Throws: conflict when the recorded history is not a prefix of `migrations`; the
    ///   failing migration's error (nothing of it kept).
    @discardableResult
    func applyMigrations(_ migrations: [Migration]) throws -> [String]
}

/// `[UInt8]` conveniences over the borrowed-buffer KV calls, for Swift callers and tests, and
/// defaulted arguments. Each forwards to the `UnsafeRawBufferPointer` form.
extension PluginStore {
    /// ``kvGet(_:)`` for an array key.
    public func kvGet(_ key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { try kvGet($0) }
    }

    /// ``kvPut(key:value:ttlMs:)`` for array arguments.
    public func kvPut(key: [UInt8], value: [UInt8], ttlMs: UInt64 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { try kvPut(key: keyBytes, value: $0, ttlMs: ttlMs) }
        }
    }

    /// ``kvPut(key:value:ttlMs:)`` without a time to live.
    public func kvPut(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        try kvPut(key: key, value: value, ttlMs: 0)
    }

    /// ``kvDelete(key:)`` for an array key.
    @discardableResult
    public func kvDelete(key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try kvDelete(key: $0) }
    }

    /// ``kvList(prefix:startAfter:limit:)`` for array arguments; nil or empty `startAfter` lists
    /// from the start.
    public func kvList(prefix: [UInt8] = [], startAfter: [UInt8]? = nil, limit: Int = 0) throws
        -> (keys: [[UInt8]], next: [UInt8]?)
    {
        try prefix.withUnsafeBytes { prefixBytes in
            try (startAfter ?? []).withUnsafeBytes { try kvList(prefix: prefixBytes, startAfter: $0, limit: limit) }
        }
    }

    /// ``kvCompareAndSwap(key:expected:desired:ttlMs:)`` for array arguments.
    public func kvCompareAndSwap(key: [UInt8], expected: [UInt8]?, desired: [UInt8]?, ttlMs: UInt64 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try PluginKVRules.withOptionalBytes(expected) { expectedBytes in
                try PluginKVRules.withOptionalBytes(desired) { desiredBytes in
                    try kvCompareAndSwap(key: keyBytes, expected: expectedBytes, desired: desiredBytes, ttlMs: ttlMs)
                }
            }
        }
    }

    /// ``sqlRun(_:_:)`` without parameters.
    @discardableResult
    public func sqlRun(_ sql: String) throws -> Int64 { try sqlRun(sql, []) }

    /// ``sqlQuery(_:_:)`` without parameters.
    public func sqlQuery(_ sql: String) throws -> QueryResult { try sqlQuery(sql, []) }
}
