import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import SwitchboardStorage

/// A ``SQLDatabase`` on a PostgreSQL server: a fixed pool of PostgresNIO connections, used
/// synchronously like the SQLite backend, so the host's stores run unchanged on either.
///
/// Statements arrive in the portable dialect and are translated with
/// ``PluginSQLDialect/postgres(_:)`` (`?N` → `$N`, column types), once per SQL text.
///
/// Calls block the calling thread until the server answers. That is what the stores expect
/// (they are called from plugin threads and from host code that already treats storage as
/// blocking); the connections' I/O runs on an event loop of this object's own, so a blocked
/// caller never holds up the loop that would answer it.
public final class PostgresSQLDatabase: SQLDatabase, @unchecked Sendable {
    /// Where the server is and how many connections to keep.
    public struct Configuration: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// Connections in the pool (each call takes one for its duration; a transaction keeps
        /// one until it ends).
        public var poolSize: Int
        /// `search_path` set on every connection: the schema the host's tables live in.
        public var schema: String?

        public init(
            host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
            poolSize: Int = 8, schema: String? = nil
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.poolSize = poolSize
            self.schema = schema
        }

        /// Parses `postgres://user[:password]@host[:port]/database[?pool=N&schema=S]`.
        /// - Throws: invalidArgument naming what is wrong (never echoing the password).
        public init(url: String) throws {
            guard let components = URLComponents(string: url),
                let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
            else {
                throw StorageError(.invalidArgument, "database.url must start with postgres:// (got another scheme)")
            }
            guard let host = components.host, !host.isEmpty else {
                throw StorageError(.invalidArgument, "database.url has no host")
            }
            guard let user = components.user, !user.isEmpty else {
                throw StorageError(.invalidArgument, "database.url has no user")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            guard !database.isEmpty else { throw StorageError(.invalidArgument, "database.url has no database name") }
            self.init(
                host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
                password: components.password?.removingPercentEncoding, database: database)
            for item in components.queryItems ?? [] {
                switch item.name {
                case "pool":
                    guard let value = item.value.flatMap(Int.init), (1...256).contains(value) else {
                        throw StorageError(.invalidArgument, "database.url pool must be 1-256")
                    }
                    poolSize = value
                case "schema":
                    guard let value = item.value, Self.isIdentifier(value) else {
                        throw StorageError(.invalidArgument, "database.url schema must be a lower-case identifier")
                    }
                    schema = value
                default:
                    throw StorageError(.invalidArgument, "database.url has an unknown option \(item.name)")
                }
            }
        }

        static func isIdentifier(_ text: String) -> Bool {
            guard let first = text.utf8.first, first >= 97 && first <= 122 || first == 95 else { return false }
            return text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
                && text.utf8.count <= 63
        }
    }

    public var backend: SQLBackend { .postgres }
    public var namespace: String? { configuration.schema }
    public let configuration: Configuration
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    /// The pool: idle connections, how many are open, and whether ``close()`` was called.
    private struct Pool {
        var idle: [PostgresConnection] = []
        var opened = 0
        var closed = false
    }
    private let pool: NIOLockedValueBox<Pool>
    /// One permit per connection the pool may open (``Configuration/poolSize``).
    private let available: DispatchSemaphore
    private let connectionConfiguration: PostgresConnection.Configuration
    /// The connection each thread's open transaction holds, and its savepoint depth.
    private let pinned = NIOLockedValueBox<[UInt: (connection: PostgresConnection, depth: Int)]>([:])
    /// Translated SQL by portable SQL text.
    private let translations = NIOLockedValueBox<[String: String]>([:])

    /// Connects one connection, so a wrong address or password fails here; the pool opens the
    /// others as calls need them, up to ``Configuration/poolSize``.
    /// - Throws: io naming the server (host:port/database) and PostgreSQL's reason.
    public init(_ configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: .disable)
        pool = NIOLockedValueBox(Pool())
        available = DispatchSemaphore(value: max(1, configuration.poolSize))
        do {
            let first = try connect(id: 0)
            pool.withLockedValue {
                $0.idle = [first]
                $0.opened = 1
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// A connection outside the pool, for ``listen(channel:onNotification:)``.
    func connectForListening() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                on: group.next(), configuration: connectionConfiguration, id: 10_000, logger: logger
            ).get()
        } catch {
            throw StorageError(.io, "cannot connect to PostgreSQL to listen: \(Self.describe(error))")
        }
    }

    var listenLogger: Logger { logger }

    /// A new connection with the configured schema as its search path.
    private func connect(id: Int) throws -> PostgresConnection {
        var connection: PostgresConnection?
        do {
            let opened = try PostgresConnection.connect(
                on: group.next(), configuration: connectionConfiguration, id: id, logger: logger
            ).wait()
            connection = opened
            if let schema = configuration.schema {
                _ = try opened.simpleQuery("CREATE SCHEMA IF NOT EXISTS \(schema)").wait()
                _ = try opened.simpleQuery("SET search_path TO \(schema)").wait()
            }
            return opened
        } catch {
            _ = try? connection?.close().wait()
            throw StorageError(
                .io,
                "cannot connect to PostgreSQL at \(configuration.host):\(configuration.port)/\(configuration.database): \(Self.describe(error))"
            )
        }
    }

    deinit {
        close()
        try? group.syncShutdownGracefully()
    }

    /// Closes the pool's connections: idle ones now, busy ones when their call ends. Later calls
    /// fail with io. Idempotent.
    public func close() {
        let connections = pool.withLockedValue { pool -> [PostgresConnection] in
            pool.closed = true
            defer { pool.idle.removeAll() }
            return pool.idle
        }
        for connection in connections { _ = try? connection.close().wait() }
    }

    // MARK: SQLDatabase

    public func execute(_ sql: String) throws {
        let statements = try PluginSQLDialect.statements(sql).map(translate)
        try withConnection { connection in
            for statement in statements { try simple(connection, statement) }
        }
    }

    @discardableResult
    public func run(_ sql: String, _ params: [SQLValue]) throws -> Int64 {
        let result = try perform(sql, params)
        return Int64(result.metadata.rows ?? 0)
    }

    public func query(_ sql: String, _ params: [SQLValue]) throws -> QueryResult {
        let result = try perform(sql, params)
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            let cells = row.makeRandomAccess()
            if columns.isEmpty { columns = (0..<cells.count).map { cells[$0].columnName } }
            rows.append((0..<cells.count).map { Self.value(cells[$0]) })
        }
        return QueryResult(columns: columns, rows: rows)
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let thread = Self.threadID
        if let (connection, depth) = pinned.withLockedValue({ $0[thread] }) {
            let name = "sb_savepoint_\(depth)"
            try simple(connection, "SAVEPOINT \(name)")
            pinned.withLockedValue { $0[thread]?.depth = depth + 1 }
            defer { pinned.withLockedValue { $0[thread]?.depth = depth } }
            do {
                let result = try body()
                try simple(connection, "RELEASE SAVEPOINT \(name)")
                return result
            } catch {
                try? simple(connection, "ROLLBACK TO SAVEPOINT \(name)")
                try? simple(connection, "RELEASE SAVEPOINT \(name)")
                throw error
            }
        }
        return try topLevelTransaction(body)
    }

    /// Runs `body` in a transaction as `role`, with `search_path` set to `searchPath` and
    /// `statement_timeout` to `statementTimeoutMilliseconds`, all `SET LOCAL`: they end with the
    /// transaction, so no pooled connection keeps them. Inside another transaction this is a
    /// savepoint, and the settings are put back when `body` returns. Plugin SQL runs this way.
    ///
    /// - Throws: invalidArgument unless `role` and `searchPath` are lower-case identifiers;
    ///   `body`'s error (everything rolled back).
    public func withLocalSettings<T>(
        role: String, searchPath: [String], statementTimeoutMilliseconds: Int64, _ body: () throws -> T
    ) throws -> T {
        guard Configuration.isIdentifier(role), !searchPath.isEmpty,
            searchPath.allSatisfy(Configuration.isIdentifier), statementTimeoutMilliseconds > 0
        else {
            throw StorageError(.invalidArgument, "withLocalSettings needs identifiers and a positive time limit")
        }
        // One round trip: set_config(…, true) is SET LOCAL.
        let apply = "SELECT set_config('role', ?1, true), set_config('search_path', ?2, true), set_config('statement_timeout', ?3, true)"
        let values: [SQLValue] = [
            .text(role), .text(searchPath.joined(separator: ", ")), .text("\(statementTimeoutMilliseconds)"),
        ]
        guard pinned.withLockedValue({ $0[Self.threadID] }) != nil else {
            return try topLevelTransaction {
                try run(apply, values)
                return try body()
            }
        }
        return try transaction {
            let saved = try query("SELECT current_setting('search_path'), current_setting('statement_timeout')", [])
            try run(apply, values)
            let result = try body()
            try run(apply, [.text("none")] + (saved.rows.first ?? [.text(""), .text("0")]))
            return result
        }
    }

    /// A transaction on a connection of its own, pinned to the calling thread.
    private func topLevelTransaction<T>(_ body: () throws -> T) throws -> T {
        let thread = Self.threadID
        let connection = try checkout()
        defer { checkin(connection) }
        try simple(connection, "BEGIN")
        pinned.withLockedValue { $0[thread] = (connection, 0) }
        defer { pinned.withLockedValue { $0[thread] = nil } }
        do {
            let result = try body()
            try simple(connection, "COMMIT")
            return result
        } catch {
            try? simple(connection, "ROLLBACK")
            throw error
        }
    }

    // MARK: Plumbing

    private func perform(_ sql: String, _ params: [SQLValue]) throws -> PostgresQueryResult {
        let translated = try translate(sql)
        var binds = PostgresBindings(capacity: params.count)
        for param in params {
            switch param {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            }
        }
        let query = PostgresQuery(unsafeSQL: translated, binds: binds)
        return try withConnection { connection in
            do {
                return try connection.query(query, logger: logger).wait()
            } catch {
                var failure = Self.storageError(error)
                // Bad SQL is a programming error: name the statement (never its parameters).
                if failure.code == .invalidArgument {
                    failure = StorageError(failure.code, failure.message + " in: " + String(translated.prefix(300)))
                }
                throw failure
            }
        }
    }

    /// The thread's transaction connection, or one from the pool for this call only.
    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if let (connection, _) = pinned.withLockedValue({ $0[Self.threadID] }) {
            return try body(connection)
        }
        let connection = try checkout()
        defer { checkin(connection) }
        return try body(connection)
    }

    /// An idle connection, or a new one while fewer than the pool size are open; waits while
    /// every connection is busy.
    private func checkout() throws -> PostgresConnection {
        available.wait()
        enum Next { case idle(PostgresConnection), open(Int), closed }
        let next = pool.withLockedValue { pool -> Next in
            if pool.closed { return .closed }
            if let connection = pool.idle.popLast() { return .idle(connection) }
            pool.opened += 1
            return .open(pool.opened - 1)
        }
        switch next {
        case .idle(let connection):
            return connection
        case .open(let id):
            do {
                return try connect(id: id)
            } catch {
                pool.withLockedValue { $0.opened -= 1 }
                available.signal()
                throw error
            }
        case .closed:
            available.signal()
            throw StorageError(.io, "the PostgreSQL pool is closed")
        }
    }

    private func checkin(_ connection: PostgresConnection) {
        // A connection the server or the network closed leaves the pool; a new one replaces it.
        let broken = connection.isClosed
        let isClosed = pool.withLockedValue { pool in
            if broken {
                pool.opened -= 1
            } else if !pool.closed {
                pool.idle.append(connection)
            }
            return pool.closed
        }
        if isClosed { _ = try? connection.close().wait() }
        available.signal()
    }

    private func simple(_ connection: PostgresConnection, _ sql: String) throws {
        do { _ = try connection.simpleQuery(sql).wait() } catch { throw Self.storageError(error) }
    }

    private func translate(_ sql: String) throws -> String {
        if let known = translations.withLockedValue({ $0[sql] }) { return known }
        let translated = try PluginSQLDialect.postgres(sql)
        translations.withLockedValue { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[sql] = translated
        }
        return translated
    }

    private static var threadID: UInt { UInt(pthread_self()) }

    /// A cell as one of the five storage classes.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2: return (try? cell.decode(Int16.self)).map { .integer(Int64($0)) } ?? .null
        case .int4: return (try? cell.decode(Int32.self)).map { .integer(Int64($0)) } ?? .null
        case .int8: return (try? cell.decode(Int64.self)).map { .integer($0) } ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8: return (try? cell.decode(Double.self)).map { .real($0) } ?? .null
        case .bytea: return .blob(cell.bytes.map { Array($0.readableBytesView) } ?? [])
        case .numeric:
            // sum() of integers and decimal literals are numeric: an integer when whole, as in SQLite.
            guard let decimal = try? cell.decode(Decimal.self) else { return .null }
            let text = "\(decimal)"
            if !text.contains("."), !text.contains("e"), let integer = Int64(text) { return .integer(integer) }
            return Double(text).map { .real($0) } ?? .text(text)
        default:
            if let text = try? cell.decode(String.self) { return .text(text) }
            return .text(cell.bytes.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? "")
        }
    }

    /// PostgreSQL's SQLSTATE classes as the storage layer's codes.
    static func storageError(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        let state: String
        let message: String
        if let psql = error as? PSQLError {
            guard let info = psql.serverInfo, let sqlState = info[.sqlState] else {
                return StorageError(.io, "PostgreSQL connection: \(describe(error))")
            }
            (state, message) = (sqlState, info[.message] ?? "error")
        } else if case .server(let server)? = error as? PostgresError, let sqlState = server.fields[.sqlState] {
            // simpleQuery (transaction control, scripts) reports the older error type.
            (state, message) = (sqlState, server.fields[.message] ?? "error")
        } else {
            return StorageError(.io, "PostgreSQL: \(error)")
        }
        let code: StorageError.Code
        switch state {
        case "23505", "23503", "23514", "23502", "23P01": code = .conflict
        case "40001", "40P01", "55P03": code = .busy
        case "57014": code = .timeout
        case "08P01": code = .invalidArgument  // e.g. a parameter count the statement does not take
        case "42501": code = .denied
        case "54000", "54001": code = .tooLarge
        case _ where state.hasPrefix("42") || state.hasPrefix("22"): code = .invalidArgument
        default: code = .internal
        }
        return StorageError(code, "\(message) (sqlstate \(state))")
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
