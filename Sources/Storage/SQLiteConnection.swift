import CSQLite

/// One SQLite database file, opened for reading and writing.
///
/// Every use of the underlying handle is serialized by an internal recursive
/// lock, so one connection may be shared by any number of threads; the
/// lock is recursive so that a ``transaction(_:)`` body can keep using the
/// connection. The file is opened with WAL journaling, `busy_timeout` 5000 ms,
/// `foreign_keys` on and `synchronous = NORMAL`; loading extensions is off.
///
/// ``run(_:_:)`` and ``query(_:_:)`` accept exactly one statement each and
/// cache its prepared form by SQL text; ``execute(_:)`` runs a script.
public final class SQLiteConnection: @unchecked Sendable {
    /// The file this connection opened.
    public let path: String
    /// The SQLite handle. Use only while holding `lock`.
    let handle: OpaquePointer
    /// Serializes every use of `handle` and of the mutable state below.
    let lock = RecursiveLock()
    /// Prepared statements of the host's own SQL, by SQL text. Guarded by `lock`.
    var hostStatements = StatementCache(capacity: 64)
    /// Prepared statements prepared in restricted mode, by SQL text. Guarded by `lock`.
    /// Kept apart so that plugin SQL can never reuse a statement the authorizer did not see.
    var restrictedStatements = StatementCache(capacity: 64)
    /// The restriction state, once ``enableRestrictions(_:)`` was called. Guarded by `lock`.
    var restrictions: RestrictionState?
    /// How many savepoints nested transactions have open. Guarded by `lock`.
    var savepointDepth = 0
    /// Runs this file's WAL checkpoints off the committing thread (``init(path:exclusiveLocking:backgroundCheckpoints:)``).
    private let checkpointer: SQLiteCheckpointer?

    /// Opens (creating it and its parent directories if needed) the database at `path`.
    ///
    /// - Parameter exclusiveLocking: `PRAGMA locking_mode = EXCLUSIVE`: the
    ///   connection keeps its file locks (and WAL index in private memory)
    ///   instead of taking and releasing them around every transaction. That
    ///   removes two `fcntl` calls from every read — several microseconds — but
    ///   no other connection, in this process or another, can use the file
    ///   until this one is closed.
    /// - Throws: ``StorageError`` with code `io` when the file cannot be opened
    ///   or WAL mode cannot be enabled.
    /// - Parameter backgroundCheckpoints: WAL checkpoints (copying committed pages back into the
    ///   database file, with its `fsync`s) run on a thread of their own, on a second connection,
    ///   instead of inside whichever commit crossed the WAL's size threshold. A commit then only
    ///   appends to the WAL. The connection still checkpoints itself when the WAL grows past
    ///   ``SQLiteCheckpointer/backstopPages`` (the thread stalled). Not with `exclusiveLocking`.
    public init(path: String, exclusiveLocking: Bool = false, backgroundCheckpoints: Bool = false) throws {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw StorageError(.invalidArgument, "database path must be non-empty and contain no NUL")
        }
        try StorageSupport.createDirectories(StorageSupport.parentDirectory(of: path))
        self.path = path
        self.handle = try Self.open(path, exclusiveLocking: exclusiveLocking)
        if backgroundCheckpoints && !exclusiveLocking {
            do {
                checkpointer = try SQLiteCheckpointer(handle: Self.open(path, exclusiveLocking: false))
                try Self.exec(handle, "PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.backstopPages)")
            } catch {
                sqlite3_close_v2(handle)
                throw error
            }
        } else {
            checkpointer = nil
        }
    }

    deinit {
        checkpointer?.stop()
        hostStatements.finalizeAll()
        restrictedStatements.finalizeAll()
        sqlite3_close_v2(handle)
    }

    /// Opens and configures a handle; closes it again when configuration fails.
    static func open(_ path: String, exclusiveLocking: Bool) throws -> OpaquePointer {
        // This SQLite is built with SQLITE_USE_URI: keep a relative "file:..." path a plain path.
        let openPath = path.hasPrefix("file:") ? "./" + path : path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(openPath, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = StorageError.sqlite(rc, db: db)
            sqlite3_close_v2(db)
            throw StorageError(.io, "cannot open \(StorageSupport.quoted(path)): \(error.message)", sqliteCode: rc)
        }
        do {
            sqlite3_extended_result_codes(db, 1)
            sqlite3_busy_timeout(db, 5000)
            sqlite3_enable_load_extension(db, 0)
            if exclusiveLocking {
                // Before WAL is first used, so the WAL index lives in heap memory.
                _ = try scalarText(db, "PRAGMA locking_mode = EXCLUSIVE")
            }
            let mode = try scalarText(db, "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else {
                throw StorageError(
                    .io, "cannot enable WAL journaling on \(StorageSupport.quoted(path)) (got \(mode ?? "nothing"))")
            }
            try exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            return db
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    /// Runs one or more statements (a script) with `sqlite3_exec`, without parameters.
    ///
    /// - Throws: invalidArgument for SQL containing NUL or failing to parse, and
    ///   the mapped SQLite error otherwise.
    public func execute(_ sql: String) throws {
        guard !sql.utf8.contains(0) else {
            throw StorageError(.invalidArgument, "SQL must not contain NUL characters")
        }
        try lock.withLock {
            restrictions?.beginStatement()
            var message: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &message)
            defer { sqlite3_free(message) }
            guard rc == SQLITE_OK else {
                let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
                throw restrictedError(rc) ?? StorageError.sqlite(sqlite3_extended_errcode(handle), message: text)
            }
        }
    }

    /// Runs exactly one statement with `params` bound to `?`/`?NNN`/`:name` in order.
    ///
    /// Rows a statement returns are stepped through and dropped.
    /// - Returns: the number of rows the statement changed (`sqlite3_changes64`).
    /// - Throws: invalidArgument when the SQL holds more than one statement
    ///   ("one statement per call") or the parameter count differs.
    @discardableResult
    public func run(_ sql: String, _ params: [SQLValue] = []) throws -> Int64 {
        try withStatement(sql, params) { statement in
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { break }
                if rc != SQLITE_ROW { throw stepError(rc) }
            }
            return sqlite3_changes64(handle)
        }
    }

    /// Runs exactly one statement and returns its column names and every row.
    ///
    /// - Throws: like ``run(_:_:)``.
    public func query(_ sql: String, _ params: [SQLValue] = []) throws -> QueryResult {
        try query(sql, params, maxResultBytes: .max)
    }

    /// ``query(_:_:)`` that fails with tooLarge once the values read exceed `maxResultBytes`.
    func query(_ sql: String, _ params: [SQLValue], maxResultBytes: Int) throws -> QueryResult {
        try withStatement(sql, params) { statement in
            let columnCount = Int(sqlite3_column_count(statement))
            var columns: [String] = []
            columns.reserveCapacity(columnCount)
            for index in 0..<columnCount {
                columns.append(sqlite3_column_name(statement, Int32(index)).map { String(cString: $0) } ?? "")
            }
            var rows: [[SQLValue]] = []
            var totalBytes = 0
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw stepError(rc) }
                if maxResultBytes != .max {
                    totalBytes += 16 * columnCount
                    for index in 0..<Int32(columnCount) {
                        // Only TEXT and BLOB: sqlite3_column_bytes would convert a number to text.
                        let type = sqlite3_column_type(statement, index)
                        if type == SQLITE_TEXT || type == SQLITE_BLOB {
                            totalBytes += Int(sqlite3_column_bytes(statement, index))
                        }
                    }
                    guard totalBytes <= maxResultBytes else {
                        throw StorageError(.tooLarge, "the query's answer exceeds \(maxResultBytes) bytes")
                    }
                }
                rows.append(Self.readRow(statement, columnCount: columnCount))
            }
            return QueryResult(columns: columns, rows: rows)
        }
    }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` … `COMMIT`, or
    /// `ROLLBACK` when `body` throws (the error is rethrown).
    ///
    /// The connection's lock is held throughout, so statements of other
    /// threads wait. A transaction inside a transaction becomes a savepoint.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock {
            if sqlite3_get_autocommit(handle) == 0 {
                return try savepoint(body)
            }
            try Self.exec(handle, "BEGIN IMMEDIATE")
            do {
                let result = try body()
                try Self.exec(handle, "COMMIT")
                return result
            } catch {
                if sqlite3_get_autocommit(handle) == 0 {
                    _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
                }
                throw error
            }
        }
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 {
        lock.withLock { sqlite3_last_insert_rowid(handle) }
    }

    /// A nested transaction as a savepoint. Call with the lock held.
    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "sb_savepoint_\(savepointDepth)"
        try Self.exec(handle, "SAVEPOINT \(name)")
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        do {
            let result = try body()
            try Self.exec(handle, "RELEASE \(name)")
            return result
        } catch {
            _ = sqlite3_exec(handle, "ROLLBACK TO \(name); RELEASE \(name)", nil, nil, nil)
            throw error
        }
    }

    /// Runs trusted SQL on `db` with `sqlite3_exec`.
    static func exec(_ db: OpaquePointer, _ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            throw StorageError.sqlite(sqlite3_extended_errcode(db), message: text)
        }
    }

    /// The first column of the first row of trusted SQL, as text.
    private static func scalarText(_ db: OpaquePointer, _ sql: String) throws -> String? {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw StorageError.sqlite(rc, db: db) }
        defer { sqlite3_finalize(statement) }
        let step = sqlite3_step(statement)
        guard step == SQLITE_ROW else {
            if step == SQLITE_DONE { return nil }
            throw StorageError.sqlite(step, db: db)
        }
        return sqlite3_column_text(statement, 0).map { String(cString: $0) }
    }
}
