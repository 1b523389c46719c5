/// The SQL plugins may write: a portable subset that runs unchanged on the embedded SQLite
/// backend and, translated mechanically, on PostgreSQL. Checked before a statement or a
/// migration runs, on every backend, so a plugin that works on one machine keeps working when the
/// deployment moves to PostgreSQL. Reference: docs/plugin-sql.md.
///
/// What it is, in short: `CREATE TABLE` / `CREATE [UNIQUE] INDEX` / `DROP` / `ALTER TABLE … ADD
/// COLUMN`, `INSERT` (with `ON CONFLICT (…) DO NOTHING | DO UPDATE SET …` and `RETURNING`),
/// `SELECT` (joins, `GROUP BY`, `ORDER BY`, `LIMIT`/`OFFSET`, sub-queries, `WITH`), `UPDATE`,
/// `DELETE`; column types `INTEGER`, `REAL`, `TEXT`, `BLOB`; parameters `?` or `?N`; a fixed list
/// of functions. Not: SQLite's `INSERT OR …`, `REPLACE`, `AUTOINCREMENT`, `PRAGMA`, virtual
/// tables, `rowid`, date functions, `GLOB`; PostgreSQL's `$N`, `::` casts, `ILIKE`.
///
/// A lexical check, not a parser: it looks at every token, every function call and every
/// column definition, which is where the two dialects differ. Semantics it cannot see (SQLite's
/// loose typing, `LIKE`'s case rules) are documented in docs/plugin-sql.md.
public enum PluginSQLDialect {
    /// Which SQL a deployment accepts from plugins.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// The portable subset (the default; the only mode on PostgreSQL).
        case portable
        /// Anything the SQLite sandbox allows (FTS5, PRAGMA table_info…), for SQLite-only deployments.
        case sqlite
    }

    /// Why a statement is outside the dialect.
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the offending token in the statement.
        public var offset: Int
        public var token: String
        public var reason: String
        /// The statement reaches outside the plugin's database or the host's control (ATTACH,
        /// PRAGMA, transaction control…): a denial rather than a mere dialect mismatch.
        public var isDenial: Bool {
            PluginSQLDialect.deniedWords.contains(token.uppercased()) || PluginSQLDialect.isReservedName(token)
        }

        public var description: String { "portable SQL: \(reason) (at \"\(token)\", offset \(offset))" }
    }

    /// Statements a plugin may run.
    static let statementKeywords: Set<String> = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "WITH", "VALUES",
    ]

    /// Column types, as SQLite stores them and as they translate to PostgreSQL.
    static let columnTypes: [String: String] = [
        "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "TEXT": "TEXT", "BLOB": "BYTEA",
    ]

    /// Functions with the same meaning on both backends.
    static let functions: Set<String> = [
        "ABS", "AVG", "COALESCE", "COUNT", "LENGTH", "LOWER", "MAX", "MIN", "NULLIF", "REPLACE", "ROUND",
        "SUBSTR", "SUM", "TRIM", "LTRIM", "RTRIM", "UPPER", "EXISTS", "IN", "CAST",
    ]

    /// Words that are SQL syntax, never function names, when followed by "(".
    static let syntaxBeforeParen: Set<String> = [
        "IN", "EXISTS", "VALUES", "AS", "ON", "AND", "OR", "NOT", "WHERE", "FROM", "JOIN", "SELECT", "KEY",
        "UNIQUE", "CHECK", "REFERENCES", "INTO", "TABLE", "INDEX", "CONFLICT", "SET", "BY", "USING", "WITH",
        "RETURNING", "THEN", "ELSE", "WHEN", "CASE", "IS", "BETWEEN", "LIKE", "ALL", "ANY", "DISTINCT", "EXCEPT",
        "UNION", "INTERSECT", "DEFAULT", "LIMIT", "OFFSET", "HAVING", "GROUP", "ORDER", "DO", "UPDATE",
        "NOTHING", "FILTER", "OVER", "INTEGER", "REAL", "TEXT", "BLOB",
    ]

    /// Forbidden words that are about isolation, not portability.
    static let deniedWords: Set<String> = [
        "PRAGMA", "ATTACH", "DETACH", "VACUUM", "REINDEX", "ANALYZE", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
        "RELEASE",
    ]

    /// What `CREATE`, `DROP` and `ALTER` may make, drop or change (no roles, schemas, functions,
    /// sequences, rules, temporary tables…).
    static let definitionObjects: [String: Set<String>] = [
        "CREATE": ["TABLE", "INDEX", "UNIQUE"], "DROP": ["TABLE", "INDEX"], "ALTER": ["TABLE"],
    ]

    /// Names the host reserves: its own tables in every plugin database (`_sb_…`) and the
    /// server's catalogs (`pg_…`, `information_schema`, `sqlite_…`), in any case, bare or quoted.
    static func isReservedName(_ token: String) -> Bool {
        var name = token.lowercased()
        if name.count >= 2, name.first == "\"", name.last == "\"" { name = String(name.dropFirst().dropLast()) }
        return name.hasPrefix("_sb_") || name.hasPrefix("pg_") || name.hasPrefix("sqlite_")
            || name == "information_schema"
    }

    /// Words with no counterpart on the other backend, and why.
    static let forbiddenWords: [String: String] = [
        "AUTOINCREMENT": "AUTOINCREMENT is SQLite's (an INTEGER PRIMARY KEY is assigned when omitted)",
        "PRAGMA": "PRAGMA is SQLite's",
        "ATTACH": "ATTACH is not allowed", "DETACH": "DETACH is not allowed",
        "VACUUM": "VACUUM is not allowed", "REINDEX": "REINDEX is not allowed", "ANALYZE": "ANALYZE is not allowed",
        "GLOB": "GLOB is SQLite's (use LIKE)", "REGEXP": "REGEXP is not portable", "ILIKE": "ILIKE is PostgreSQL's (use lower(x) LIKE lower(?))",
        "ROWID": "rowid is SQLite's (declare an INTEGER PRIMARY KEY)", "_ROWID_": "rowid is SQLite's", "OID": "oid is SQLite's",
        "WITHOUT": "WITHOUT ROWID is SQLite's", "VIRTUAL": "virtual tables are SQLite's",
        "TRIGGER": "triggers are not portable", "VIEW": "views are not in the portable subset",
        "BEGIN": "transaction control is the host's", "COMMIT": "transaction control is the host's",
        "ROLLBACK": "transaction control is the host's", "SAVEPOINT": "transaction control is the host's",
        "RELEASE": "transaction control is the host's", "INDEXED": "INDEXED BY is SQLite's",
        "COLLATE": "collations differ between backends",
        "STRICT": "STRICT tables are SQLite's",
    ]

    /// Checks one statement (or a migration's several) against `mode`; nil when it passes.
    public static func check(_ sql: String, mode: Mode = .portable) -> Violation? {
        guard mode == .portable else { return nil }
        let tokens: [Token]
        do {
            tokens = try SQLLexer.tokens(sql)
        } catch let error as Violation {
            return error
        } catch {
            return Violation(offset: 0, token: "", reason: "\(error)")
        }
        for statement in split(tokens) where !statement.isEmpty {
            if let violation = checkStatement(statement) { return violation }
        }
        return nil
    }

    private static func checkStatement(_ tokens: [Token]) -> Violation? {
        let first = tokens[0]
        if let reason = forbiddenWords[first.upper] {
            return Violation(offset: first.offset, token: first.text, reason: reason)
        }
        guard first.kind == .word, statementKeywords.contains(first.upper) else {
            return Violation(
                offset: first.offset, token: first.text,
                reason: "a statement starts with SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER or WITH")
        }
        if first.upper == "INSERT" || first.upper == "UPDATE", tokens.count > 1, tokens[1].upper == "OR" {
            return Violation(
                offset: tokens[1].offset, token: tokens[1].text,
                reason: "\(first.upper) OR … is SQLite's (use INSERT … ON CONFLICT (…) DO NOTHING or DO UPDATE)")
        }
        // Words and symbols first, then column definitions, then function names, so the most
        // telling reason is the one reported.
        for token in tokens {
            switch token.kind {
            case .word:
                if isReservedName(token.text) { return reservedNameViolation(token) }
                if let reason = forbiddenWords[token.upper] {
                    return Violation(offset: token.offset, token: token.text, reason: reason)
                }
            case .quotedIdentifier where isReservedName(token.text):
                return reservedNameViolation(token)
            case .quotedIdentifier where token.text.hasPrefix("`") || token.text.hasPrefix("["):
                return Violation(offset: token.offset, token: token.text, reason: "quote identifiers with \"…\"")
            case .parameter where token.text.hasPrefix("$") || token.text.hasPrefix(":") || token.text.hasPrefix("@"):
                return Violation(offset: token.offset, token: token.text, reason: "parameters are ? or ?N")
            case .symbol where token.text == "::":
                return Violation(offset: token.offset, token: token.text, reason: ":: casts are PostgreSQL's (use CAST(x AS TEXT))")
            case .symbol where token.text == "==":
                return Violation(offset: token.offset, token: token.text, reason: "== is SQLite's (use =)")
            default:
                break
            }
        }
        if let objects = definitionObjects[first.upper] {
            let object = tokens.count > 1 ? tokens[1] : first
            guard object.kind == .word, objects.contains(object.upper) else {
                return Violation(
                    offset: object.offset, token: object.text,
                    reason: "\(first.upper) applies to \(objects.sorted().joined(separator: " or ")) only")
            }
        }
        if first.upper == "CREATE", let violation = checkCreate(tokens) { return violation }
        if first.upper == "ALTER", let violation = checkAlter(tokens) { return violation }
        for (index, token) in tokens.enumerated() where token.kind == .word {
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            guard next?.text == "(", !syntaxBeforeParen.contains(token.upper), !functions.contains(token.upper) else {
                continue
            }
            // A name before "(" is a function call, or a table's column list (`schema.table (`
            // counts as the table).
            var previous = index > 0 ? tokens[index - 1].upper : ""
            if previous == ".", index >= 3 { previous = tokens[index - 3].upper }
            if !["TABLE", "INTO", "ON", "EXISTS", "REFERENCES", "JOIN", "FROM", "AS", "WITH", "RECURSIVE"].contains(previous) {
                return Violation(
                    offset: token.offset, token: token.text,
                    reason: "function \(token.text.lowercased())() is not in the portable list")
            }
        }
        return nil
    }

    /// `CREATE TABLE name (column TYPE …, …)`: every column has one of the four types.
    private static func checkCreate(_ tokens: [Token]) -> Violation? {
        guard let tableWord = tokens.firstIndex(where: { $0.upper == "TABLE" }) else { return nil }
        guard tokens[tableWord...].contains(where: { $0.text == "(" }) else {
            return Violation(
                offset: tokens[tableWord].offset, token: "TABLE", reason: "CREATE TABLE … AS SELECT is not portable")
        }
        for definition in columnDefinitions(tokens) {
            if let violation = checkColumn(definition.map { tokens[$0] }) { return violation }
        }
        return nil
    }

    private static func checkAlter(_ tokens: [Token]) -> Violation? {
        guard tokens.contains(where: { $0.upper == "ADD" }) else {
            return Violation(
                offset: tokens[0].offset, token: tokens[0].text, reason: "ALTER TABLE may only ADD COLUMN")
        }
        return columnDefinitions(tokens).first.flatMap { checkColumn($0.map { tokens[$0] }) }
    }

    /// The token indices of each column or constraint definition of one `CREATE TABLE` or
    /// `ALTER TABLE … ADD [COLUMN]` statement.
    static func columnDefinitions(_ tokens: [Token]) -> [[Int]] {
        guard let first = tokens.first else { return [] }
        if first.upper == "ALTER" {
            guard var start = tokens.firstIndex(where: { $0.upper == "ADD" }).map({ $0 + 1 }) else { return [] }
            if start < tokens.count, tokens[start].upper == "COLUMN" { start += 1 }
            return start < tokens.count ? [Array(start..<tokens.count)] : []
        }
        guard first.upper == "CREATE", let tableWord = tokens.firstIndex(where: { $0.upper == "TABLE" }),
            let open = tokens[tableWord...].firstIndex(where: { $0.text == "(" })
        else { return [] }
        var definitions: [[Int]] = []
        var depth = 0
        var current: [Int] = []
        for index in (open + 1)..<tokens.count {
            let text = tokens[index].text
            if text == ")" && depth == 0 {
                definitions.append(current)
                return definitions
            }
            if text == "(" { depth += 1 }
            if text == ")" { depth -= 1 }
            if text == "," && depth == 0 {
                definitions.append(current)
                current = []
            } else {
                current.append(index)
            }
        }
        return definitions
    }

    private static let constraintStarts: Set<String> = ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"]

    /// Index (into the definition) of the column's type, or nil for a table constraint.
    private static func isColumn(_ definition: [Token]) -> Bool {
        guard let name = definition.first else { return false }
        return !constraintStarts.contains(name.upper)
    }

    private static func checkColumn(_ definition: [Token]) -> Violation? {
        guard isColumn(definition), let name = definition.first else { return nil }
        guard definition.count > 1, definition[1].kind == .word, columnTypes[definition[1].upper] != nil else {
            let token = definition.count > 1 ? definition[1] : name
            return Violation(
                offset: token.offset, token: token.text,
                reason: "column \(name.text) needs a type: INTEGER, REAL, TEXT or BLOB")
        }
        if definition.count > 2, definition[2].text == "(" {
            return Violation(offset: definition[2].offset, token: "(", reason: "column types take no length")
        }
        return nil
    }

    /// Statements of a token list, split on top-level semicolons.
    private static func split(_ tokens: [Token]) -> [[Token]] {
        var statements: [[Token]] = [[]]
        for token in tokens {
            if token.text == ";" {
                statements.append([])
            } else {
                statements[statements.count - 1].append(token)
            }
        }
        return statements
    }

    // MARK: - PostgreSQL

    /// A name the host keeps for itself (`_sb_*`, `pg_*`, `sqlite_*`, `information_schema`).
    private static func reservedNameViolation(_ token: Token) -> Violation {
        Violation(
            offset: token.offset, token: token.text,
            reason: "\(token.text) is reserved for the host (_sb_*, pg_*, sqlite_* and information_schema)")
    }

    /// The statement as PostgreSQL runs it: `?`/`?N` → `$N`, the four column types → BIGINT,
    /// DOUBLE PRECISION, TEXT, BYTEA, and `INTEGER PRIMARY KEY` → an identity column (assigned
    /// when omitted, as in SQLite). Only for SQL that passed ``check(_:mode:)``.
    public static func postgres(_ sql: String) throws -> String {
        let tokens = try SQLLexer.tokens(sql)
        // Which tokens are column types: the second token of each column definition.
        var types: [Int: String] = [:]
        for statement in splitIndices(tokens) {
            let local = statement.map { tokens[$0] }
            for definition in columnDefinitions(local) where definition.count > 1 {
                let defined = definition.map { local[$0] }
                guard isColumn(defined), let translated = columnTypes[defined[1].upper] else { continue }
                let isKey = defined[1].upper == "INTEGER" && defined.count > 3 && defined[2].upper == "PRIMARY"
                    && defined[3].upper == "KEY"
                types[statement[definition[1]]] = isKey ? "BIGINT GENERATED BY DEFAULT AS IDENTITY" : translated
            }
        }
        let utf8 = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        var cursor = 0
        var nextPositional = 1
        for (index, token) in tokens.enumerated() {
            out += utf8[cursor..<token.offset]
            cursor = token.offset + token.text.utf8.count
            if let type = types[index] {
                out += Array(type.utf8)
            } else if token.kind == .parameter && token.text.hasPrefix("?") {
                if token.text == "?" {
                    out += Array("$\(nextPositional)".utf8)
                    nextPositional += 1
                } else {
                    out += Array(("$" + token.text.dropFirst()).utf8)
                }
            } else {
                out += Array(token.text.utf8)
            }
        }
        out += utf8[cursor...]
        return String(decoding: out, as: UTF8.self)
    }

    /// How many parameters one statement takes: the larger of the number of bare `?` and the
    /// highest `?N` (SQLite's `sqlite3_bind_parameter_count`).
    public static func parameterCount(_ sql: String) throws -> Int {
        var positional = 0
        var highest = 0
        for token in try SQLLexer.tokens(sql) where token.kind == .parameter && token.text.hasPrefix("?") {
            if token.text == "?" {
                positional += 1
            } else if let number = Int(token.text.dropFirst()) {
                highest = max(highest, number)
            }
        }
        return max(positional, highest)
    }

    /// A script's statements, split on the semicolons between them (never one inside a string
    /// or a quoted name), each from its first token to its last; empty statements dropped.
    public static func statements(_ sql: String) throws -> [String] {
        let tokens = try SQLLexer.tokens(sql)
        let utf8 = Array(sql.utf8)
        return splitIndices(tokens).compactMap { indices in
            guard let first = indices.first.map({ tokens[$0] }), let last = indices.last.map({ tokens[$0] }) else {
                return nil
            }
            return String(decoding: utf8[first.offset..<(last.offset + last.text.utf8.count)], as: UTF8.self)
        }
    }

    /// Token indices of each statement, split on top-level semicolons.
    private static func splitIndices(_ tokens: [Token]) -> [[Int]] {
        var statements: [[Int]] = [[]]
        for (index, token) in tokens.enumerated() {
            if token.text == ";" { statements.append([]) } else { statements[statements.count - 1].append(index) }
        }
        return statements.filter { !$0.isEmpty }
    }
}

// MARK: - Tokens

struct Token: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case word, quotedIdentifier, string, blob, number, parameter, symbol
    }

    var kind: Kind
    var text: String
    /// Byte offset in the statement.
    var offset: Int
    var upper: String { kind == .word ? text.uppercased() : text }
}

/// Splits SQL into tokens; comments and whitespace are dropped.
enum SQLLexer {
    static func tokens(_ sql: String) throws -> [Token] {
        let bytes = Array(sql.utf8)
        var tokens: [Token] = []
        var i = 0
        func text(_ from: Int, _ to: Int) -> String { String(decoding: bytes[from..<to], as: UTF8.self) }
        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
        }
        while i < bytes.count {
            let c = bytes[i]
            let start = i
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D:
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i + 1 < bytes.count && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                guard i + 1 < bytes.count else {
                    throw PluginSQLDialect.Violation(offset: start, token: "/*", reason: "unterminated comment")
                }
                i += 2
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : c
                i += 1
                while true {
                    guard i < bytes.count else {
                        throw PluginSQLDialect.Violation(offset: start, token: text(start, min(start + 1, bytes.count)), reason: "unterminated quote")
                    }
                    if bytes[i] == close {
                        if close != UInt8(ascii: "]"), i + 1 < bytes.count, bytes[i + 1] == close {
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    i += 1
                }
                tokens.append(Token(kind: c == UInt8(ascii: "'") ? .string : .quotedIdentifier, text: text(start, i), offset: start))
            case UInt8(ascii: "?"), UInt8(ascii: "$"), UInt8(ascii: "@"):
                i += 1
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                tokens.append(Token(kind: .parameter, text: text(start, i), offset: start))
            case UInt8(ascii: ":") where i + 1 < bytes.count && isWordByte(bytes[i + 1]):
                i += 1
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                tokens.append(Token(kind: .parameter, text: text(start, i), offset: start))
            case UInt8(ascii: "x") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "'"),
                UInt8(ascii: "X") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "'"):
                i += 2
                while i < bytes.count && bytes[i] != UInt8(ascii: "'") { i += 1 }
                i = min(i + 1, bytes.count)
                tokens.append(Token(kind: .blob, text: text(start, i), offset: start))
            case _ where c >= 0x30 && c <= 0x39:
                while i < bytes.count && (isWordByte(bytes[i]) || bytes[i] == UInt8(ascii: ".")) { i += 1 }
                tokens.append(Token(kind: .number, text: text(start, i), offset: start))
            case _ where isWordByte(c):
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                tokens.append(Token(kind: .word, text: text(start, i), offset: start))
            default:
                // Two-byte operators first.
                let pair = i + 1 < bytes.count ? text(i, i + 2) : ""
                if ["<=", ">=", "<>", "!=", "==", "||", "::", "<<", ">>"].contains(pair) {
                    i += 2
                    tokens.append(Token(kind: .symbol, text: pair, offset: start))
                } else {
                    i += 1
                    tokens.append(Token(kind: .symbol, text: text(start, i), offset: start))
                }
            }
        }
        return tokens
    }
}
