/// Which database engine is underneath a ``SQLDatabase``.
public enum SQLBackend: String, Sendable, Hashable, CaseIterable {
    /// The embedded default: one SQLite file per database.
    case sqlite
    /// A PostgreSQL server shared by several hosts.
    case postgres
}

/// The few operations the host's stores need from a SQL database, on either backend.
///
/// SQL is written once, in the portable dialect (``PluginSQLDialect``): `?`/`?N` parameters and
/// the four column types. SQLite runs it as written; the PostgreSQL backend translates it
/// mechanically. Errors are ``StorageError``s with the same codes on both backends (a unique or
/// foreign key violation is `conflict`, bad SQL is `invalidArgument`…).
///
/// Every call is thread-safe. ``transaction(_:)`` pins one connection to the calling thread for
/// the body, so the body's own calls run inside it; a transaction inside a transaction is a
/// savepoint.
public protocol SQLDatabase: AnyObject, Sendable {
    /// The engine underneath.
    var backend: SQLBackend { get }
    /// Runs a script of statements without parameters.
    func execute(_ sql: String) throws
    /// Runs one statement; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ params: [SQLValue]) throws -> Int64
    /// Runs one statement and returns its rows. On PostgreSQL, an empty result has no column names.
    func query(_ sql: String, _ params: [SQLValue]) throws -> QueryResult
    /// Runs `body` in a transaction, committed when it returns and rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// The namespace the tables live in when several installs share one server (a PostgreSQL
    /// schema); nil for a database of its own.
    var namespace: String? { get }
}

extension SQLDatabase {
    public var namespace: String? { nil }
}

extension SQLiteConnection: SQLDatabase {
    public var backend: SQLBackend { .sqlite }
}
