/// The general form of ``Migrator/apply(_:to:)`` for stores outside this module (plugin storage
/// on PostgreSQL keeps its own histories).
extension Migrator {
    /// Applies `migrations` with the history in `historyTable` (`name` or `schema.name`, lower-case
    /// identifiers), each migration's SQL run by `runSQL` inside the migration's transaction.
    ///
    /// - Throws: invalidArgument for a bad table name; otherwise as ``apply(_:to:)``.
    @discardableResult
    public static func apply(
        _ migrations: [Migration], to connection: any SQLDatabase, historyTable: String,
        now: @Sendable () -> Int64 = StorageClock.milliseconds, runSQL: (String) throws -> Void
    ) throws -> [String] {
        let parts = historyTable.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ isIdentifier($0) }) else {
            throw StorageError(.invalidArgument, "history table \(StorageSupport.quoted(historyTable)) is not an identifier")
        }
        return try apply(migrations, to: connection, table: historyTable, now: now, runSQL: runSQL)
    }

    /// A lower-case SQL identifier of at most 63 bytes.
    private static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, (first >= 97 && first <= 122) || first == 95, text.utf8.count <= 63 else {
            return false
        }
        return text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
