import Foundation
import Logging
import SwitchboardPostgres
import SwitchboardStorage

/// The backends every test body here runs on: SQLite always, PostgreSQL when
/// `SWITCHBOARD_TEST_POSTGRES_URL` names a server (scripts/test starts one). Under CI the
/// PostgreSQL case is always present, so a CI run without a server fails instead of skipping.
enum Backends {
    static let postgresURL = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"]
    static let required = ProcessInfo.processInfo.environment["CI"] != nil

    static var all: [SQLBackend] { postgresURL != nil || required ? [.sqlite, .postgres] : [.sqlite] }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "SWITCHBOARD_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL"
        }
    }

    /// A new, empty database on `backend`: a file of its own, or a schema of its own.
    static func open(_ backend: SQLBackend) throws -> any SQLDatabase {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("sb-backend-\(UUID().uuidString)").appendingPathComponent("test.sqlite").path
            return try SQLiteConnection(path: path)
        case .postgres:
            guard let postgresURL else { throw Missing() }
            var configuration = try PostgresSQLDatabase.Configuration(url: postgresURL)
            configuration.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            configuration.poolSize = 4
            var logger = Logger(label: "test.postgres")
            logger.logLevel = .critical
            return try PostgresSQLDatabase(configuration, logger: logger)
        }
    }

    /// A new host database on `backend`, migrated, with `now` as its clock.
    static func hostDatabase(_ backend: SQLBackend, now: @escaping @Sendable () -> Int64) throws -> HostDatabase {
        try HostDatabase(database: try open(backend), description: backend.rawValue, logger: quietLogger, now: now)
    }
}

/// Plugin storage on every backend: a ``PluginStorageProvider`` on SQLite files in a new
/// temporary directory, or on PostgreSQL in a new schema of its own (its plugin schemas and
/// roles are new too: their names are random).
struct PluginStorageFixture {
    let backend: SQLBackend
    let provider: PluginStorageProvider
    /// The PostgreSQL database, nil on SQLite.
    let database: PostgresSQLDatabase?

    /// The schema the host's tables are in (PostgreSQL only).
    var hostSchema: String? { database?.configuration.schema }

    init(
        _ backend: SQLBackend, timeLimits: PluginSQLTimeLimits = .standard,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) throws {
        self.backend = backend
        let logger = Logger(label: "test.plugin-storage", factory: { _ in SwiftLogNoOpLogHandler() })
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-plugin-\(UUID().uuidString)")
            provider = PluginStorageProvider(dataDirectory: directory.path, logger: logger, timeLimits: timeLimits, now: now)
            database = nil
        case .postgres:
            guard let postgres = try Backends.open(.postgres) as? PostgresSQLDatabase else { throw Backends.Missing() }
            provider = try PluginStorageProvider(postgres: postgres, logger: logger, timeLimits: timeLimits, now: now)
            database = postgres
        }
    }

    func store(_ tenant: String = "alpha", _ plugin: String = "notes", migrations: [Migration] = []) throws
        -> any PluginStore
    {
        try provider.store(tenant: tenant, plugin: plugin, migrations: migrations)
    }
}
