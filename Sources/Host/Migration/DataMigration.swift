import Foundation
import Logging
import SwitchboardPostgres
import SwitchboardStorage

/// Moves a single-machine install (embedded SQLite) to PostgreSQL without loss
/// (`switchboard migrate-data`).
///
/// In order: checks both ends and refuses a target that holds data; applies the pending
/// registry migrations to `host.sqlite`; migrates the target; then, in one PostgreSQL
/// transaction, copies every host table (parents first, rows in insertion order), every plugin
/// store (tables, rows, migration history, live KV entries) and checks the row counts on both
/// sides. Any failure rolls the whole copy back and leaves the target empty.
///
/// Instance and assistant secrets are copied as the encrypted bytes they are: every host on
/// PostgreSQL needs the install's master key (``DataMigrationSummary``'s next steps say so).
public struct DataMigration: Sendable {
    public let source: SQLiteSource
    public let target: PostgresTarget
    let logger: Logger
    let now: @Sendable () -> Int64

    /// Makes a migration of `source` into `target`.
    public init(
        source: SQLiteSource, target: PostgresTarget, logger: Logger,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) {
        self.source = source
        self.target = target
        self.logger = logger
        self.now = now
    }

    /// Runs it.
    /// - Returns: what was copied and what to do next.
    /// - Throws: ``DataMigrationError`` (targetNotEmpty, copyFailed, verificationFailed…); the
    ///   target is left as it was found then, but for the registry's empty tables.
    public func run() throws -> DataMigrationSummary {
        let postgres: PostgresSQLDatabase
        do {
            postgres = try PostgresSQLDatabase(target.configuration, logger: logger)
        } catch let error as StorageError {
            throw DataMigrationError(.badTarget, error.message)
        }
        defer { postgres.close() }
        try TargetEmptiness(database: postgres).require(target.redacted)

        // The source first: a registry written by an older host gains the current schema.
        let sqlite = try wrap("migrate \(source.hostDatabasePath)") {
            try HostDatabase(dataDirectory: source.dataDirectory, logger: logger, now: now).connection
        }
        guard let sqliteConnection = sqlite as? SQLiteConnection else {
            throw DataMigrationError(.copyFailed, "the source registry is not a SQLite file")
        }
        try wrap("migrate the target") {
            _ = try HostDatabase(database: postgres, description: target.redacted, logger: logger, now: now)
        }
        let provider = try wrap("set up plugin storage on the target") {
            try PluginStorageProvider(postgres: postgres, logger: logger, now: now)
        }
        let files = source.pluginFiles()
        let startedAt = now()
        return try wrap("copy") {
            try postgres.transaction {
                // One snapshot of the registry (a host still writing it waits until the copy ends).
                try sqliteConnection.transaction {
                    let copier = HostTableCopier(source: SQLiteTableReader(connection: sqliteConnection), target: postgres)
                    let copied = try copier.copyAll()
                    var stores: [PluginStoreCopier.Result] = []
                    for file in files {
                        stores.append(try PluginStoreCopier(file: file, provider: provider, now: startedAt).copy())
                    }
                    let counts = try copier.verify(copied)
                    let mismatched = counts.filter { $0.source != $0.target }
                    guard mismatched.isEmpty else {
                        throw DataMigrationError(
                            .verificationFailed,
                            "row counts differ: "
                                + mismatched.map { "\($0.table) \($0.source) in SQLite, \($0.target) on PostgreSQL" }
                                .joined(separator: "; "))
                    }
                    return DataMigrationSummary(
                        source: source, target: target, tables: counts, pluginStores: stores,
                        masterKeyFromEnvironment: ProcessInfo.processInfo.environment["SWITCHBOARD_MASTER_KEY"]
                            .map { !$0.isEmpty } ?? false)
                }
            }
        }
    }

    /// Runs `body`, turning a storage error into copyFailed naming `what`.
    private func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DataMigrationError {
            throw error
        } catch let error as StorageError {
            throw DataMigrationError(.copyFailed, "\(what): \(error.message) (no data was copied to the target)")
        } catch {
            throw DataMigrationError(.copyFailed, "\(what): \(error) (no data was copied to the target)")
        }
    }
}

/// The refusal of a target that already holds an install's data: any tenant, plugin KV entry
/// or plugin schema. Reads only; a target without the tables is empty.
struct TargetEmptiness {
    let database: PostgresSQLDatabase

    func require(_ description: String) throws {
        for table in ["tenants", "plugin_kv", "plugin_sql_schemas"] {
            let exists = try database.query("SELECT to_regclass(?1) IS NOT NULL", [.text(table)]).rows.first?.first
            guard exists == .integer(1) else { continue }
            let rows = try database.query("SELECT count(*) FROM \(table)", []).rows.first?.first?.int64Value ?? 0
            if rows > 0 {
                throw DataMigrationError(
                    .targetNotEmpty,
                    "the target \(description) already holds data (\(rows) rows in \(table)); migrate-data only fills an empty database: choose another database or schema (?schema=NAME)"
                )
            }
        }
    }
}
