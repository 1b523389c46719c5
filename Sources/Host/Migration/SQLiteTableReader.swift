import SwitchboardStorage

/// The tables of a SQLite file as a copy needs them: names, columns, the CREATE statements, in
/// an order where every table comes after the tables its foreign keys name; and their rows in
/// insertion (`rowid`) order, a page at a time.
struct SQLiteTableReader {
    /// One table of the file.
    struct Table: Sendable, Hashable {
        var name: String
        /// The stored columns, in declaration order.
        var columns: [String]
        /// The CREATE TABLE statement, as SQLite keeps it in `sqlite_master`.
        var sql: String
        /// False for a `WITHOUT ROWID` table (read in primary key order).
        var hasRowID: Bool
    }

    let connection: SQLiteConnection

    /// The file's tables, parents before children, skipping SQLite's own (`sqlite_%`) and the
    /// host's bookkeeping (`_sb_%`).
    func tables() throws -> [Table] {
        let rows = try connection.query(
            """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sb\\_%' ESCAPE '\\'
            ORDER BY rowid
            """, []
        ).rows
        var tables: [Table] = []
        var parents: [String: Set<String>] = [:]
        for row in rows {
            guard let name = row[0].stringValue else { continue }
            let sql = row[1].stringValue ?? ""
            let columns = try connection.query("SELECT name FROM pragma_table_info(?1) ORDER BY cid", [.text(name)])
                .rows.compactMap { $0.first?.stringValue }
            let keys = try connection.query("SELECT \"table\" FROM pragma_foreign_key_list(?1)", [.text(name)])
                .rows.compactMap { $0.first?.stringValue }
            parents[name] = Set(keys).subtracting([name])
            tables.append(
                Table(name: name, columns: columns, sql: sql, hasRowID: !sql.uppercased().contains("WITHOUT ROWID")))
        }
        return Self.parentsFirst(tables, parents: parents)
    }

    /// The CREATE statements of the file's indexes, views and triggers (not SQLite's automatic
    /// ones nor the host's), in creation order.
    func otherObjects() throws -> [(type: String, name: String, sql: String)] {
        try connection.query(
            """
            SELECT type, name, sql FROM sqlite_master
            WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL
              AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sb\\_%' ESCAPE '\\'
              AND tbl_name NOT LIKE '\\_sb\\_%' ESCAPE '\\'
            ORDER BY CASE type WHEN 'index' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, rowid
            """, []
        ).rows.compactMap { row in
            guard let type = row[0].stringValue, let name = row[1].stringValue, let sql = row[2].stringValue else {
                return nil
            }
            return (type, name, sql)
        }
    }

    /// How many rows `table` holds.
    func count(_ table: Table) throws -> Int64 {
        try connection.query("SELECT count(*) FROM \(SQLIdentifier.quoted(table.name))", []).scalar?.int64Value ?? 0
    }

    /// Calls `body` with the rows of `table` (its ``Table/columns``), in `rowid` order, `pageSize` at a time.
    func forEachPage(of table: Table, pageSize: Int, _ body: ([[SQLValue]]) throws -> Void) throws {
        let columns = table.columns.map(SQLIdentifier.quoted).joined(separator: ", ")
        let name = SQLIdentifier.quoted(table.name)
        guard table.hasRowID else {
            let rows = try connection.query("SELECT \(columns) FROM \(name)", []).rows
            var start = 0
            while start < rows.count {
                try body(Array(rows[start..<min(rows.count, start + pageSize)]))
                start += pageSize
            }
            return
        }
        var after = Int64.min
        while true {
            let rows = try connection.query(
                "SELECT rowid, \(columns) FROM \(name) WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
                [.integer(after), .integer(Int64(pageSize))]
            ).rows
            guard let last = rows.last?.first?.int64Value else { return }
            try body(rows.map { Array($0.dropFirst()) })
            after = last
            if rows.count < pageSize { return }
        }
    }

    /// `tables` reordered so that each comes after the tables it references, keeping the file's
    /// order otherwise; tables in a reference cycle keep their order.
    static func parentsFirst(_ tables: [Table], parents: [String: Set<String>]) -> [Table] {
        let names = Set(tables.map(\.name))
        var placed = Set<String>()
        var ordered: [Table] = []
        var remaining = tables
        while !remaining.isEmpty {
            let index =
                remaining.firstIndex { table in
                    (parents[table.name] ?? []).intersection(names).isSubset(of: placed)
                } ?? 0
            let table = remaining.remove(at: index)
            placed.insert(table.name)
            ordered.append(table)
        }
        return ordered
    }
}

/// Identifier quoting for table and column names read from a database's own catalogue.
enum SQLIdentifier {
    /// `name` in double quotes, inner quotes doubled.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `name` as is when it is a plain identifier (letters, digits, `_`, not starting with a
    /// digit), else quoted: for SQL that must stay in the plugin dialect.
    static func plain(_ name: String) -> String {
        let isPlain =
            name.utf8.first.map { !($0 >= 48 && $0 <= 57) } ?? false
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        return isPlain ? name : quoted(name)
    }
}
