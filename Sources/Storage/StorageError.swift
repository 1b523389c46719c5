import CSQLite

/// The one error type of SwitchboardStorage.
///
/// Modelled on GRDB's `DatabaseError` and Hummingbird's `PersistError`: a
/// small, open set of ``Code`` values that callers switch on (and that map
/// one-to-one onto the plugin ABI's `SB_ERR_*` statuses), a human-readable
/// message, and the SQLite extended result code when SQLite raised it.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as printed in ``StorageError/description``.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// No such row, key or record.
        public static let notFound = Code("notFound")
        /// A constraint or compare-and-swap failed, or a migration history disagrees.
        public static let conflict = Code("conflict")
        /// Refused by the isolation rules (ATTACH, PRAGMA, load_extension, `_sb_*` tables...).
        public static let denied = Code("denied")
        /// Malformed input: bad SQL, bad name, bad key, wrong parameter count.
        public static let invalidArgument = Code("invalidArgument")
        /// A size limit was exceeded.
        public static let tooLarge = Code("tooLarge")
        /// The disk or the file failed (I/O error, full disk, corrupt or unopenable file).
        public static let io = Code("io")
        /// A bug or an unexpected state inside the storage layer or SQLite.
        public static let `internal` = Code("internal")
        /// The database is locked by someone else for longer than the busy timeout.
        public static let busy = Code("busy")
        /// A plugin statement ran longer than its time limit and was interrupted.
        public static let timeout = Code("timeout")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation (SQLite's own message for SQLite failures).
    public let message: String
    /// The SQLite extended result code, when the failure came from SQLite.
    public var sqliteCode: Int32?

    /// Makes an error.
    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    public var description: String {
        if let sqliteCode {
            return "\(code): \(message) (sqlite \(sqliteCode))"
        }
        return "\(code): \(message)"
    }
}

extension StorageError {
    /// Maps an SQLite result code (primary or extended) to a storage error.
    ///
    /// - SQLITE_CONSTRAINT → conflict, SQLITE_AUTH → denied, SQLITE_TOOBIG → tooLarge,
    ///   SQLITE_BUSY / SQLITE_LOCKED → busy, SQLITE_INTERRUPT → timeout,
    ///   SQLITE_ERROR / SQLITE_RANGE / SQLITE_MISMATCH → invalidArgument,
    ///   file-level failures → io, anything else → internal.
    static func sqlite(_ resultCode: Int32, message: String) -> StorageError {
        let code: Code
        switch resultCode & 0xFF {
        case SQLITE_CONSTRAINT: code = .conflict
        case SQLITE_AUTH: code = .denied
        case SQLITE_TOOBIG: code = .tooLarge
        case SQLITE_BUSY, SQLITE_LOCKED: code = .busy
        case SQLITE_INTERRUPT: code = .timeout
        case SQLITE_ERROR, SQLITE_RANGE, SQLITE_MISMATCH: code = .invalidArgument
        case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_READONLY, SQLITE_CORRUPT,
            SQLITE_NOTADB, SQLITE_PROTOCOL, SQLITE_PERM, SQLITE_NOLFS:
            code = .io
        default: code = .internal
        }
        return StorageError(code, message, sqliteCode: resultCode)
    }

    /// The error SQLite last reported on `db`, with `resultCode` as a fallback.
    static func sqlite(_ resultCode: Int32, db: OpaquePointer?) -> StorageError {
        guard let db else {
            return sqlite(resultCode, message: String(cString: sqlite3_errstr(resultCode)))
        }
        let extended = sqlite3_extended_errcode(db)
        let code = (extended & 0xFF) == (resultCode & 0xFF) ? extended : resultCode
        return sqlite(code, message: String(cString: sqlite3_errmsg(db)))
    }
}
