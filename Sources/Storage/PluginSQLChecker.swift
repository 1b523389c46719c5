/// The portable-dialect check of a plugin's SQL, as every ``PluginStore`` runs it before a
/// statement or a migration: outside the dialect is invalidArgument (denied when the statement
/// reaches for isolation, ``PluginSQLDialect/Violation/isDenial``). A statement that passed is
/// remembered (up to 512), so a plugin's repeated statements cost one lookup.
public final class PluginSQLChecker: Sendable {
    /// The dialect enforced; `.sqlite` checks nothing (SQLite's sandbox alone applies).
    public let mode: PluginSQLDialect.Mode
    private let passed = LockedState(Set<String>())

    /// Makes a checker for `mode`.
    public init(mode: PluginSQLDialect.Mode) {
        self.mode = mode
    }

    /// Throws unless `sql` is inside the dialect.
    public func check(_ sql: String) throws {
        guard mode == .portable else { return }
        if passed.withLock({ $0.contains(sql) }) { return }
        if let violation = PluginSQLDialect.check(sql, mode: mode) {
            throw StorageError(violation.isDenial ? .denied : .invalidArgument, violation.description)
        }
        passed.withLock { passed in
            if passed.count >= 512 { passed.removeAll(keepingCapacity: true) }
            passed.insert(sql)
        }
    }
}
