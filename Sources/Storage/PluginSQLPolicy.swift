import CSQLite

/// What a plugin's SQL may do in its own (tenant, plugin) database.
///
/// The file holds only that tenant's data for that plugin, so the real
/// escape routes are other files (ATTACH, DETACH, `VACUUM INTO`, which
/// attaches), native code (`load_extension`, the pointer-taking
/// `fts3_tokenizer`), settings that change how the file is written or read
/// (PRAGMAs other than a few read-only ones) and the host's own tables in the
/// same file (names starting with `_sb_`, case-insensitively). Transaction
/// control is refused too: each plugin call is its own transaction, and a
/// transaction left open would stall the host's KV calls on the same file.
///
/// Views and triggers need no rule of their own: SQLite re-checks the tables a
/// view or trigger touches whenever a plugin statement uses it, and triggers
/// on `_sb_*` tables cannot be created.
struct PluginSQLPolicy: AuthorizationPolicy {
    /// PRAGMAs a plugin may run with or without an argument: they only
    /// describe its own schema (the argument names a table or index).
    static let allowedPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check",
    ]

    /// PRAGMAs a plugin may only read (no argument, no `= value`). FTS5 and
    /// R*Tree run some of these internally when their tables are created.
    static let readOnlyPragmas: Set<String> = [
        "data_version", "page_size", "page_count", "freelist_count", "user_version", "application_id",
        "schema_version", "encoding",
    ]

    /// Functions a plugin may not call.
    static let deniedFunctions: Set<String> = ["load_extension", "fts3_tokenizer"]

    /// Virtual-table modules a plugin may create tables with.
    static let allowedModules: Set<String> = ["fts3", "fts4", "fts5", "rtree", "rtree_i32"]

    func denial(for request: AuthorizationRequest) -> String? {
        switch request.action {
        case SQLITE_ATTACH:
            return "ATTACH is not allowed (VACUUM INTO attaches too)"
        case SQLITE_DETACH:
            return "DETACH is not allowed"
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
            return "transaction control is not allowed: each call runs in its own transaction"
        case SQLITE_PRAGMA:
            let name = Self.lowercased(request.first)
            if Self.readOnlyPragmas.contains(name) {
                return request.second == nil ? nil : "PRAGMA \(name) may only be read"
            }
            guard Self.allowedPragmas.contains(name) else {
                return "PRAGMA \(name) is not allowed"
            }
            if Self.isReserved(request.second) { return reservedMessage(request.second) }
            return nil
        case SQLITE_FUNCTION:
            let name = Self.lowercased(request.second)
            return Self.deniedFunctions.contains(name) ? "function \(name)() is not allowed" : nil
        case SQLITE_CREATE_VTABLE, SQLITE_DROP_VTABLE:
            let module = Self.lowercased(request.second)
            guard Self.allowedModules.contains(module) else {
                return "virtual tables using \(module) are not allowed"
            }
            return Self.isReserved(request.first) ? reservedMessage(request.first) : nil
        case SQLITE_READ, SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE,
            SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_TABLE, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_TABLE,
            SQLITE_CREATE_VIEW, SQLITE_CREATE_TEMP_VIEW, SQLITE_DROP_VIEW, SQLITE_DROP_TEMP_VIEW:
            return Self.isReserved(request.first) ? reservedMessage(request.first) : nil
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX, SQLITE_DROP_INDEX, SQLITE_DROP_TEMP_INDEX,
            SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER, SQLITE_DROP_TRIGGER, SQLITE_DROP_TEMP_TRIGGER:
            // first: the index or trigger; second: its table.
            if Self.isReserved(request.first) { return reservedMessage(request.first) }
            return Self.isReserved(request.second) ? reservedMessage(request.second) : nil
        case SQLITE_ALTER_TABLE:
            // first: the database; second: the table.
            return Self.isReserved(request.second) ? reservedMessage(request.second) : nil
        default:
            // SELECT, RECURSIVE, ANALYZE and REINDEX (statistics and index
            // rebuilds change no data, so they may cover every table), and
            // anything newer: allowed.
            return nil
        }
    }

    /// True for names the host reserves in every plugin database (`_sb_` prefix, any case).
    static func isReserved(_ name: String?) -> Bool {
        guard let name else { return false }
        let bytes = Array(name.utf8.prefix(4))
        guard bytes.count == 4 else { return false }
        return bytes[0] == UInt8(ascii: "_") && (bytes[1] | 0x20) == UInt8(ascii: "s")
            && (bytes[2] | 0x20) == UInt8(ascii: "b") && bytes[3] == UInt8(ascii: "_")
    }

    private func reservedMessage(_ name: String?) -> String {
        "\(name ?? "") is reserved for the host (tables named _sb_* are off limits)"
    }

    private static func lowercased(_ text: String?) -> String {
        (text ?? "").lowercased()
    }
}
