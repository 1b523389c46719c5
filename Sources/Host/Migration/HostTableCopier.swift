import SwitchboardStorage

/// Copies the host's tables from the embedded registry (`host.sqlite`) into a migrated, empty
/// PostgreSQL registry, row for row and in insertion order, so PostgreSQL's `seq` identity
/// columns (SQLite's `rowid`) keep the order listings and pages depend on. BLOB columns (secrets,
/// key hashes) stay bytes. Run inside the target's transaction.
struct HostTableCopier {
    /// The rows of one table on both sides.
    struct TableCount: Sendable, Hashable {
        var table: String
        var source: Int64
        var target: Int64
    }

    let source: SQLiteTableReader
    let target: any SQLDatabase
    /// Parameters per INSERT (PostgreSQL takes at most 65,535).
    var parametersPerStatement = 2_000

    /// Copies every table, parents first.
    /// - Returns: the rows copied per table, in copy order.
    /// - Throws: copyFailed for a table or column the target lacks; the database's error.
    func copyAll() throws -> [TableCount] {
        var counts: [TableCount] = []
        for table in try source.tables() {
            let targetColumns = try writableColumns(of: table.name)
            guard let targetColumns else {
                let rows = try source.count(table)
                guard rows == 0 else {
                    throw DataMigrationError(
                        .copyFailed, "table \(table.name) (\(rows) rows) does not exist on PostgreSQL")
                }
                continue
            }
            let columns = table.columns.filter { targetColumns.contains($0) }
            if let missing = table.columns.first(where: { !targetColumns.contains($0) && !isRowIDAlias($0) }) {
                throw DataMigrationError(
                    .copyFailed, "column \(table.name).\(missing) does not exist on PostgreSQL")
            }
            let selected = SQLiteTableReader.Table(
                name: table.name, columns: columns, sql: table.sql, hasRowID: table.hasRowID)
            let copied = try copy(selected)
            counts.append(TableCount(table: table.name, source: copied, target: 0))
        }
        return counts
    }

    /// The counts of `counts` with each table's rows on the target filled in.
    func verify(_ counts: [TableCount]) throws -> [TableCount] {
        try counts.map { count in
            var count = count
            count.source = try source.connection.query("SELECT count(*) FROM \(SQLIdentifier.quoted(count.table))", [])
                .scalar?.int64Value ?? 0
            count.target = try target.query("SELECT count(*) FROM \(count.table)", []).rows.first?.first?.int64Value ?? 0
            return count
        }
    }

    /// SQLite's `registry_changes.seq` is its rowid; PostgreSQL assigns its own, in copy order.
    private func isRowIDAlias(_ column: String) -> Bool {
        column == "seq"
    }

    /// The target's columns of `table` that take values (not identity or generated); nil when
    /// the table does not exist there.
    private func writableColumns(of table: String) throws -> Set<String>? {
        let rows = try target.query(
            """
            SELECT column_name, is_identity, is_generated FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ?1
            """, [.text(table)]
        ).rows
        guard !rows.isEmpty else { return nil }
        return Set(
            rows.compactMap { row in
                guard row.count == 3, row[1].stringValue != "YES", row[2].stringValue != "ALWAYS" else { return nil }
                return row[0].stringValue
            })
    }

    /// Copies one table; returns how many rows.
    private func copy(_ table: SQLiteTableReader.Table) throws -> Int64 {
        guard !table.columns.isEmpty else { return 0 }
        let rowsPerStatement = max(1, parametersPerStatement / table.columns.count)
        var copied: Int64 = 0
        try source.forEachPage(of: table, pageSize: rowsPerStatement) { rows in
            try target.run(
                InsertStatement.sql(table: table.name, columns: table.columns, rows: rows.count), rows.flatMap { $0 })
            copied += Int64(rows.count)
        }
        return copied
    }
}

/// `INSERT INTO t(c1, c2) VALUES (?1, ?2), (?3, ?4)…` in the portable dialect.
enum InsertStatement {
    static func sql(table: String, columns: [String], rows: Int) -> String {
        var parameter = 0
        let tuples = (0..<rows).map { _ in
            "("
                + columns.map { _ in
                    parameter += 1
                    return "?\(parameter)"
                }.joined(separator: ", ") + ")"
        }
        return "INSERT INTO \(SQLIdentifier.plain(table))(\(columns.map(SQLIdentifier.plain).joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
    }
}
