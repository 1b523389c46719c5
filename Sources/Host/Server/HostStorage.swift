import Logging
import SwitchboardPostgres
import SwitchboardStorage

extension HostConfiguration {
    /// Opens the registry database this configuration names (``database``) and applies its
    /// pending migrations: `<data_dir>/host.sqlite`, or the PostgreSQL server.
    /// - Throws: io naming the server when it cannot be reached; invalidArgument for a bad URL;
    ///   conflict when the database was migrated by a newer host.
    /// - Parameter serving: opened for a serving host: SQLite's WAL checkpoints then run on a
    ///   thread of their own, off the thread that commits inbound messages.
    public func openDatabase(logger: Logger, serving: Bool = false) throws -> HostDatabase {
        let (database, description) = try openSQLDatabase(logger: logger, serving: serving)
        return try HostDatabase(database: database, description: description, logger: logger)
    }

    /// The registry database, not yet migrated, and where it is (no credentials).
    public func openSQLDatabase(logger: Logger, serving: Bool = false) throws -> (any SQLDatabase, String) {
        switch database {
        case .embedded:
            let path = (dataDirectory.isEmpty ? "." : dataDirectory) + "/host.sqlite"
            return (try SQLiteConnection(path: path, backgroundCheckpoints: serving), path)
        case .postgres(let url):
            let postgres = try PostgresSQLDatabase(try PostgresSQLDatabase.Configuration(url: url), logger: logger)
            return (postgres, database.redacted)
        }
    }

    /// The plugin storage beside `database`: one SQLite file per (tenant, plugin) under
    /// ``dataDirectory``, or, when the registry is on PostgreSQL, the same server (key-value
    /// rows filtered by tenant and plugin; plugin SQL in a schema and role of its own).
    public func openPluginStorage(beside database: HostDatabase, logger: Logger) throws -> PluginStorageProvider {
        if let postgres = database.connection as? PostgresSQLDatabase {
            return try PluginStorageProvider(postgres: postgres, logger: logger)
        }
        return PluginStorageProvider(dataDirectory: dataDirectory, logger: logger, sqlDialect: sqlDialect)
    }
}
