import Logging
import SwitchboardStorage

/// Plugin storage on PostgreSQL, for ``PluginStorageProvider``: KV entries in one host table,
/// `plugin_kv`, whose every statement filters on (tenant, plugin); each (tenant, plugin)'s SQL in
/// a schema of its own, owned by a `NOLOGIN` role of the same name (`sbp_` and 16 random hex
/// digits, recorded in the host table `plugin_sql_schemas`) that has no privilege anywhere else.
///
/// The host tables live in the database's configured schema (`?schema=`), beside the host's
/// other tables, with their own migration history `_sb_plugin_store_migrations`. The connecting
/// user needs `CREATEROLE` (or to be a superuser): it creates the plugin roles and grants them to
/// itself, to switch to them with `SET LOCAL ROLE` around each plugin statement.
public final class PostgresPluginStoreBackend: PluginStoreBackend {
    /// The database the host tables and the plugin schemas live in.
    public let database: PostgresSQLDatabase

    /// The host's own tables for plugin storage.
    static let migrations = [
        Migration(
            name: "001_plugin_kv",
            sql: """
                CREATE TABLE plugin_kv(tenant TEXT NOT NULL, plugin TEXT NOT NULL, key BLOB NOT NULL,
                    value BLOB NOT NULL, expires_at INTEGER, PRIMARY KEY (tenant, plugin, key));
                CREATE INDEX plugin_kv_expires ON plugin_kv(tenant, plugin, expires_at) WHERE expires_at IS NOT NULL
                """),
        Migration(
            name: "002_plugin_sql_schemas",
            sql: """
                CREATE TABLE plugin_sql_schemas(tenant TEXT NOT NULL, plugin TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL, PRIMARY KEY (tenant, plugin))
                """),
    ]
    static let historyTable = "_sb_plugin_store_migrations"
    /// Serializes the provisioning of plugin schemas between hosts (an advisory lock key).
    static let provisioningLock: Int64 = 0x5342_5053_4348_454D  // "SBPSCHEM"

    /// Sets up the host tables (once per database) and checks that no schema lets every role create in it.
    ///
    /// - Throws: denied when PUBLIC may create objects in some schema (PostgreSQL before 15 lets it
    ///   in `public`: run `REVOKE CREATE ON SCHEMA public FROM PUBLIC`), since a plugin role could
    ///   then create tables outside its own schema; a migration's error.
    public init(database: PostgresSQLDatabase) throws {
        self.database = database
        let open = try database.query(
            """
            SELECT nspname FROM pg_catalog.pg_namespace
            WHERE has_schema_privilege('public', oid, 'CREATE') AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
            ORDER BY nspname
            """, [])
        if !open.rows.isEmpty {
            let names = open.rows.compactMap { $0.first?.stringValue }.joined(separator: ", ")
            throw StorageError(
                .denied,
                "every role may create objects in schema \(names): run REVOKE CREATE ON SCHEMA \(names) FROM PUBLIC before storing plugin data on PostgreSQL"
            )
        }
        try Migrator.apply(Self.migrations, to: database, historyTable: Self.historyTable) { sql in
            try database.execute(sql)
        }
    }

    public func openStore(tenant: String, plugin: String, migrations: [Migration], settings: PluginStoreSettings)
        throws -> any PluginStore
    {
        let schema = try provisionSchema(tenant: tenant, plugin: plugin)
        let store = PostgresPluginStore(
            tenant: tenant, plugin: plugin, schema: schema, database: database, timeLimits: settings.timeLimits,
            now: settings.now)
        let applied = try store.applyMigrations(migrations)
        settings.logger.debug(
            "opened plugin storage",
            metadata: [
                "tenant": "\(tenant)", "plugin": "\(plugin)", "schema": "\(schema)", "applied_migrations": "\(applied)",
            ])
        return store
    }

    /// Drops the tenant's plugin schemas and roles and deletes its KV entries, in one transaction.
    public func removeTenant(_ tenant: String) throws {
        try database.transaction {
            _ = try database.query("SELECT pg_advisory_xact_lock(?1)", [.integer(Self.provisioningLock)])
            let names = try database.query("SELECT name FROM plugin_sql_schemas WHERE tenant = ?1", [.text(tenant)])
            for name in names.rows.compactMap({ $0.first?.stringValue }) {
                guard PostgresPluginStore.isSchemaName(name) else {
                    throw StorageError(.internal, "plugin_sql_schemas holds a name that is not the host's: \(name)")
                }
                try database.execute(
                    "DROP SCHEMA IF EXISTS \(name) CASCADE; DROP OWNED BY \(name); DROP ROLE IF EXISTS \(name)")
            }
            try database.run("DELETE FROM plugin_sql_schemas WHERE tenant = ?1", [.text(tenant)])
            try database.run("DELETE FROM plugin_kv WHERE tenant = ?1", [.text(tenant)])
        }
    }

    /// The schema (and role) of (tenant, plugin), created with its role on first use.
    func provisionSchema(tenant: String, plugin: String) throws -> String {
        let find = "SELECT name FROM plugin_sql_schemas WHERE tenant = ?1 AND plugin = ?2"
        let names: [SQLValue] = [.text(tenant), .text(plugin)]
        if let name = try database.query(find, names).rows.first?.first?.stringValue { return name }
        return try database.transaction {
            _ = try database.query("SELECT pg_advisory_xact_lock(?1)", [.integer(Self.provisioningLock)])
            if let name = try database.query(find, names).rows.first?.first?.stringValue { return name }
            let name = PostgresPluginStore.newSchemaName()
            // The role may do nothing but own its schema; the host joins it to switch to it.
            try database.execute(
                """
                CREATE ROLE \(name) NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 0;
                GRANT \(name) TO CURRENT_USER;
                CREATE SCHEMA \(name) AUTHORIZATION \(name)
                """)
            try database.run(
                "INSERT INTO plugin_sql_schemas(tenant, plugin, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                names + [.text(name), .integer(StorageClock.milliseconds())])
            return name
        }
    }
}

extension PluginStorageProvider {
    /// A provider whose stores live in `database` (see ``PostgresPluginStoreBackend``); plugin SQL
    /// is always checked against the portable dialect.
    ///
    /// - Parameters:
    ///   - timeLimits: how long plugin SQL may run (`statement_timeout`; tests shorten them).
    ///   - now: milliseconds since the epoch, for KV expiry (tests pass a fake clock).
    /// - Throws: as ``PostgresPluginStoreBackend/init(database:)``.
    public convenience init(
        postgres database: PostgresSQLDatabase, logger: Logger, timeLimits: PluginSQLTimeLimits = .standard,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) throws {
        self.init(
            backend: try PostgresPluginStoreBackend(database: database), logger: logger, sqlDialect: .portable,
            timeLimits: timeLimits, now: now)
    }
}
