import CSQLite

/// The key-value half of plugin storage: table `_sb_kv(key BLOB PRIMARY KEY,
/// value BLOB NOT NULL, expires_at INTEGER) WITHOUT ROWID` in the plugin's
/// file, `expires_at` in ms since the epoch (NULL: never). Expired entries
/// read as absent until ``PluginStorage/sweepExpired()`` deletes them.
///
/// Keys are 1...1024 bytes of valid UTF-8 (else invalidArgument) and compare
/// as bytes; values are at most 16 MiB (else tooLarge). The calls take
/// borrowed buffers so the ABI layer can pass `sb_bytes_t` without copying;
/// `[UInt8]` overloads are in the ``PluginStore`` extension.
extension PluginStorage {
    static let getSQL = "SELECT value FROM main._sb_kv WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)"
    static let putSQL = """
        INSERT INTO main._sb_kv(key, value, expires_at) VALUES (?1, ?2, ?3)
        ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
        """
    static let deleteSQL = "DELETE FROM main._sb_kv WHERE key = ?1"
    // Returns the raw column: SQLite 3.40 evaluates RETURNING expressions over
    // a deleted WITHOUT ROWID row wrongly (`expires_at IS NULL` yields 0).
    static let deleteReturningSQL = "DELETE FROM main._sb_kv WHERE key = ?1 RETURNING expires_at"
    static let listSQL = """
        SELECT key FROM main._sb_kv WHERE key >= ?1 AND key < ?2 AND (expires_at IS NULL OR expires_at > ?3)
        ORDER BY key LIMIT ?4
        """
    static let sweepSQL = "DELETE FROM main._sb_kv WHERE expires_at IS NOT NULL AND expires_at <= ?1"

    /// The value stored under `key`, or nil when it is absent or expired.
    ///
    /// The hot path: a cached prepared statement, the key bound without a copy,
    /// no Foundation and no string conversion.
    public func kvGet(_ key: UnsafeRawBufferPointer) throws -> [UInt8]? {
        try PluginKVRules.validateKey(key)
        let now = self.now()
        return try withKVStatement(Self.getSQL) { statement in
            _ = SQLiteConnection.bindBorrowedBlob(statement, 1, key)
            sqlite3_bind_int64(statement, 2, now)
            let rc = sqlite3_step(statement)
            if rc == SQLITE_ROW { return SQLiteConnection.columnBytes(statement, 0) }
            if rc == SQLITE_DONE { return nil }
            throw connection.stepError(rc)
        }
    }

    /// Stores `value` under `key`, replacing any previous value.
    ///
    /// - Parameter ttlMs: time to live in ms; 0 keeps the entry until deleted.
    public func kvPut(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, ttlMs: UInt64) throws {
        try PluginKVRules.validateKey(key)
        try PluginKVRules.validateValue(value)
        let expiresAt = expiry(ttlMs: ttlMs)
        try withKVStatement(Self.putSQL) { statement in
            try put(statement, key: key, value: value, expiresAt: expiresAt)
        }
    }

    /// Deletes `key`.
    /// - Returns: true when a live (unexpired) entry was deleted.
    @discardableResult
    public func kvDelete(key: UnsafeRawBufferPointer) throws -> Bool {
        try PluginKVRules.validateKey(key)
        let now = self.now()
        return try withKVStatement(Self.deleteReturningSQL) { statement in
            _ = SQLiteConnection.bindBorrowedBlob(statement, 1, key)
            var live = false
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw connection.stepError(rc) }
                live = sqlite3_column_type(statement, 0) == SQLITE_NULL || sqlite3_column_int64(statement, 0) > now
            }
            return live
        }
    }

    /// Lists live keys that start with `prefix`, in byte order, after
    /// `startAfter` (empty: from the start).
    ///
    /// - Parameter limit: at most this many keys; 0 means 1000, and more than 1000 is capped.
    /// - Returns: the keys and, when more remain, `next`: the last key
    ///   returned, to pass as `startAfter` for the next page.
    public func kvList(prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer, limit: Int) throws
        -> (keys: [[UInt8]], next: [UInt8]?)
    {
        let bounds = try PluginKVRules.listBounds(prefix: prefix, startAfter: startAfter, limit: limit)
        let (lower, upper, pageSize) = (bounds.lower, bounds.upper, bounds.pageSize)
        let now = self.now()
        let keys = try withKVStatement(Self.listSQL) { statement -> [[UInt8]] in
            try lower.withUnsafeBytes { lowerBytes in
                try upper.withUnsafeBytes { upperBytes in
                    _ = SQLiteConnection.bindBorrowedBlob(statement, 1, lowerBytes)
                    _ = SQLiteConnection.bindBorrowedBlob(statement, 2, upperBytes)
                    sqlite3_bind_int64(statement, 3, now)
                    sqlite3_bind_int64(statement, 4, Int64(pageSize + 1))
                    var keys: [[UInt8]] = []
                    while true {
                        let rc = sqlite3_step(statement)
                        if rc == SQLITE_DONE { break }
                        guard rc == SQLITE_ROW else { throw connection.stepError(rc) }
                        keys.append(SQLiteConnection.columnBytes(statement, 0))
                    }
                    return keys
                }
            }
        }
        return PluginKVRules.page(keys, pageSize: pageSize)
    }

    /// Compare-and-swap, atomically: when the current live value of `key`
    /// equals `expected` (nil: the key must be absent or expired), writes
    /// `desired` with `ttlMs` (nil: deletes the key).
    ///
    /// - Throws: conflict when the comparison fails; nothing is written then.
    public func kvCompareAndSwap(
        key: UnsafeRawBufferPointer, expected: UnsafeRawBufferPointer?, desired: UnsafeRawBufferPointer?,
        ttlMs: UInt64
    ) throws {
        try PluginKVRules.validateKey(key)
        if let desired { try PluginKVRules.validateValue(desired) }
        try connection.transaction {
            let current = try kvGet(key)
            try PluginKVRules.compare(current: current, expected: expected)
            if let desired {
                let expiresAt = expiry(ttlMs: ttlMs)
                try withKVStatement(Self.putSQL) { statement in
                    try put(statement, key: key, value: desired, expiresAt: expiresAt)
                }
            } else {
                try deleteRow(key)
            }
        }
    }

    /// Deletes every expired entry.
    /// - Returns: how many were deleted.
    @discardableResult
    public func sweepExpired() throws -> Int {
        let now = self.now()
        return try withKVStatement(Self.sweepSQL) { statement in
            sqlite3_bind_int64(statement, 1, now)
            return Int(try stepDone(statement))
        }
    }

    // MARK: Helpers

    /// Runs `body` with the host's cached statement for `sql`, reset afterwards.
    @inline(__always)
    func withKVStatement<R>(_ sql: String, _ body: (OpaquePointer) throws -> R) throws -> R {
        try connection.lock.withLock {
            let statement = try connection.cachedStatement(sql)
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            return try body(statement)
        }
    }

    /// Steps a statement that returns no rows; returns the rows it changed.
    private func stepDone(_ statement: OpaquePointer) throws -> Int64 {
        let rc = sqlite3_step(statement)
        guard rc == SQLITE_DONE else { throw connection.stepError(rc) }
        return sqlite3_changes64(connection.handle)
    }

    /// Binds and steps the put statement.
    private func put(
        _ statement: OpaquePointer, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, expiresAt: Int64?
    )
        throws
    {
        _ = SQLiteConnection.bindBorrowedBlob(statement, 1, key)
        let rc = SQLiteConnection.bindBorrowedBlob(statement, 2, value)
        guard rc == SQLITE_OK else { throw StorageError.sqlite(rc, db: connection.handle) }
        if let expiresAt {
            sqlite3_bind_int64(statement, 3, expiresAt)
        } else {
            sqlite3_bind_null(statement, 3)
        }
        _ = try stepDone(statement)
    }

    /// Deletes the row of `key`, live or expired.
    private func deleteRow(_ key: UnsafeRawBufferPointer) throws {
        try withKVStatement(Self.deleteSQL) { statement in
            _ = SQLiteConnection.bindBorrowedBlob(statement, 1, key)
            _ = try stepDone(statement)
        }
    }

    /// The expiry time for `ttlMs` from now (nil: never), saturating.
    private func expiry(ttlMs: UInt64) -> Int64? {
        PluginKVRules.expiry(ttlMs: ttlMs, now: now())
    }
}
