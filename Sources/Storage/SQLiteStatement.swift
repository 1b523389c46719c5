import CSQLite

/// SQLite's SQLITE_TRANSIENT destructor: "copy the bytes before returning".
@inline(__always)
var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

/// Prepared statements keyed by their SQL text.
///
/// Bounded: when full, one entry is finalized to make room, so plugins that
/// send ever-new SQL text cannot grow it without limit.
struct StatementCache {
    let capacity: Int
    private(set) var statements: [String: OpaquePointer] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The cached statement for `sql`, if any.
    func statement(for sql: String) -> OpaquePointer? {
        statements[sql]
    }

    /// Caches `statement` under `sql`, finalizing an older entry when full.
    mutating func insert(_ statement: OpaquePointer, for sql: String) {
        if statements.count >= capacity, let victim = statements.first {
            sqlite3_finalize(victim.value)
            statements.removeValue(forKey: victim.key)
        }
        statements[sql] = statement
    }

    /// Finalizes every cached statement.
    mutating func finalizeAll() {
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        statements.removeAll()
    }
}

extension SQLiteConnection {
    /// Runs `body` with the cached, reset statement for `sql` and `params`
    /// bound, holding the lock; resets the statement afterwards (which also
    /// ends its read transaction).
    func withStatement<R>(_ sql: String, _ params: [SQLValue], _ body: (OpaquePointer) throws -> R) throws -> R {
        try lock.withLock {
            restrictions?.beginStatement()
            let statement = try cachedStatement(sql)
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            try bind(params, to: statement)
            return try body(statement)
        }
    }

    /// The prepared statement for `sql` from the cache of the current mode,
    /// preparing (and checking the one-statement rule) on a miss. Call with the lock held.
    func cachedStatement(_ sql: String) throws -> OpaquePointer {
        let restricted = restrictions?.active ?? false
        if let statement = restricted ? restrictedStatements.statement(for: sql) : hostStatements.statement(for: sql) {
            return statement
        }
        let statement = try prepareSingle(sql)
        if restricted {
            restrictedStatements.insert(statement, for: sql)
        } else {
            hostStatements.insert(statement, for: sql)
        }
        return statement
    }

    /// Prepares exactly one statement. Refuses empty SQL and SQL with anything
    /// but whitespace, semicolons and comments after the first statement.
    private func prepareSingle(_ sql: String) throws -> OpaquePointer {
        var text = sql
        return try text.withUTF8 { bytes -> OpaquePointer in
            guard let start = bytes.baseAddress, !bytes.isEmpty else {
                throw StorageError(.invalidArgument, "empty SQL: no statement to run")
            }
            guard bytes.count < Int(Int32.max) else {
                throw StorageError(.tooLarge, "SQL text is too long")
            }
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = UnsafeRawPointer(start).withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                sqlite3_prepare_v3(
                    handle, chars, Int32(bytes.count), UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            }
            guard rc == SQLITE_OK else {
                throw restrictedError(rc) ?? StorageError.sqlite(rc, db: handle)
            }
            guard let statement else {
                throw StorageError(.invalidArgument, "empty SQL: no statement to run")
            }
            var consumed = bytes.count
            if let tail {
                consumed = UnsafeRawPointer(tail) - UnsafeRawPointer(start)
            }
            guard Self.isOnlyFiller(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[consumed...])) else {
                sqlite3_finalize(statement)
                throw StorageError(.invalidArgument, "one statement per call: the SQL holds more than one statement")
            }
            return statement
        }
    }

    /// True when `bytes` holds only whitespace, semicolons and SQL comments.
    static func isOnlyFiller(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, UInt8(ascii: ";"):
                index += 1
            case UInt8(ascii: "-") where index + 1 < count && bytes[index + 1] == UInt8(ascii: "-"):
                index += 2
                while index < count && bytes[index] != 0x0A { index += 1 }
            case UInt8(ascii: "/") where index + 1 < count && bytes[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index < count
                    && !(bytes[index] == UInt8(ascii: "*") && index + 1 < count
                        && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    index += 1
                }
                index += 2  // past "*/" (or past the end of an unterminated comment)
            default:
                return false
            }
        }
        return true
    }

    /// Binds `params` to positions 1...n; the count must match exactly. Call with the lock held.
    func bind(_ params: [SQLValue], to statement: OpaquePointer) throws {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == params.count else {
            throw StorageError(
                .invalidArgument, "the statement has \(expected) parameter(s) but \(params.count) were given")
        }
        for (offset, value) in params.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(statement, index)
            case .integer(let number):
                rc = sqlite3_bind_int64(statement, index, number)
            case .real(let number):
                rc = sqlite3_bind_double(statement, index, number)
            case .text(let string):
                var string = string
                rc = string.withUTF8 { bytes in
                    guard let start = bytes.baseAddress, !bytes.isEmpty else {
                        var empty: CChar = 0
                        return sqlite3_bind_text64(statement, index, &empty, 0, sqliteTransient, UInt8(SQLITE_UTF8))
                    }
                    return UnsafeRawPointer(start).withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                        sqlite3_bind_text64(
                            statement, index, chars, UInt64(bytes.count), sqliteTransient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return sqlite3_bind_zeroblob(statement, index, 0)
                    }
                    return sqlite3_bind_blob64(statement, index, base, UInt64(buffer.count), sqliteTransient)
                }
            }
            guard rc == SQLITE_OK else { throw StorageError.sqlite(rc, db: handle) }
        }
    }

    /// Binds borrowed bytes as a BLOB without copying them (SQLITE_STATIC):
    /// they must stay valid until the statement is reset. Zero bytes bind as
    /// an empty BLOB, never as NULL.
    @inline(__always)
    static func bindBorrowedBlob(_ statement: OpaquePointer, _ index: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32
    {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            return sqlite3_bind_zeroblob(statement, index, 0)
        }
        return sqlite3_bind_blob64(statement, index, base, UInt64(buffer.count), nil)
    }

    /// Reads the current row of `statement`.
    static func readRow(_ statement: OpaquePointer, columnCount: Int) -> [SQLValue] {
        var row: [SQLValue] = []
        row.reserveCapacity(columnCount)
        for index in 0..<Int32(columnCount) {
            row.append(readColumn(statement, index))
        }
        return row
    }

    /// Reads one column of the current row of `statement`.
    static func readColumn(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            let pointer = sqlite3_column_text(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            return .text(
                String(decoding: UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count), as: UTF8.self))
        case SQLITE_BLOB:
            return .blob(columnBytes(statement, index))
        default:
            return .null
        }
    }

    /// The bytes of a BLOB (or TEXT) column of the current row.
    @inline(__always)
    static func columnBytes(_ statement: OpaquePointer, _ index: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(statement, index) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, index))
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The storage error for a failed `sqlite3_step`. Call with the lock held.
    func stepError(_ rc: Int32) -> StorageError {
        restrictedError(rc) ?? StorageError.sqlite(rc, db: handle)
    }
}
