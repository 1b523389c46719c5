import Logging

/// The host's own registry — tenants, channel instances and received
/// messages — in `<data>/host.sqlite`, migrated with ``Migrator`` on open.
///
/// Every call is thread-safe; the calls that check before they write do so
/// in one `BEGIN IMMEDIATE` transaction. Constraint violations surface as
/// ``StorageError/Code/conflict``, missing rows on update or delete as
/// ``StorageError/Code/notFound``, malformed input as ``StorageError/Code/invalidArgument``.
public final class HostDatabase: Sendable {
    /// The database file.
    public let path: String
    /// The database, for host code that adds tables of its own (append
    /// migrations to ``migrations``; never edit applied ones).
    public let connection: any SQLDatabase
    /// Milliseconds since the epoch, for `created_at`/`updated_at`/`received_at`.
    let now: @Sendable () -> Int64

    /// The registry schema, in order. Append only.
    public static let migrations: [Migration] = [
        Migration(
            name: "001_registry",
            sql: """
                CREATE TABLE tenants(
                    id TEXT PRIMARY KEY,
                    slug TEXT UNIQUE NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active', 'suspended')),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE channel_instances(
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    plugin TEXT NOT NULL,
                    name TEXT NOT NULL,
                    is_default INTEGER NOT NULL DEFAULT 0 CHECK(is_default IN (0, 1)),
                    enabled INTEGER NOT NULL DEFAULT 1 CHECK(enabled IN (0, 1)),
                    settings TEXT NOT NULL DEFAULT '{}' CHECK(json_valid(settings)),
                    secrets BLOB,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE(plugin, name)
                );
                CREATE UNIQUE INDEX channel_instances_one_default ON channel_instances(plugin) WHERE is_default = 1;
                CREATE INDEX channel_instances_tenant ON channel_instances(tenant_id);
                CREATE TABLE inbound_messages(
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    instance_id TEXT NOT NULL,
                    plugin TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    sender_name TEXT,
                    text TEXT NOT NULL,
                    thread_key TEXT,
                    metadata TEXT CHECK(metadata IS NULL OR json_valid(metadata)),
                    received_at INTEGER NOT NULL,
                    UNIQUE(instance_id, external_id)
                );
                CREATE INDEX inbound_messages_instance_time ON inbound_messages(instance_id, received_at);
                """),
        Migration(
            name: "002_api_keys",
            sql: """
                CREATE TABLE api_keys(
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    scope TEXT NOT NULL CHECK(scope IN ('tenant', 'widget')),
                    instance_id TEXT,
                    prefix TEXT NOT NULL,
                    hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
                """),
        Migration(
            name: "003_registry_changes",
            sql: """
                CREATE TABLE registry_changes(
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                """),
        Migration(
            name: "004_assistant_configs",
            sql: """
                CREATE TABLE assistant_configs(
                    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
                    config TEXT NOT NULL DEFAULT '{}' CHECK(json_valid(config) AND json_type(config) = 'object'),
                    updated_at INTEGER NOT NULL
                );
                """),
        Migration(name: "005_conversations", sql: ConversationStore.schema),
        Migration(
            name: "006_assistants",
            sql: """
                ALTER TABLE assistant_configs ADD COLUMN secrets BLOB;
                CREATE TABLE assistant_prompts(
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    version INTEGER NOT NULL,
                    content TEXT NOT NULL,
                    status TEXT NOT NULL CHECK(status IN ('draft', 'published', 'archived')),
                    created_at INTEGER NOT NULL,
                    published_at INTEGER,
                    UNIQUE(tenant_id, version)
                );
                CREATE UNIQUE INDEX assistant_prompts_one_published ON assistant_prompts(tenant_id)
                    WHERE status = 'published';
                CREATE TABLE knowledge_items(
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX knowledge_items_tenant ON knowledge_items(tenant_id, created_at);
                """),
        Migration(
            name: "007_instance_status",
            sql: """
                CREATE TABLE instance_status(
                    instance_id TEXT PRIMARY KEY REFERENCES channel_instances(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """),
        Migration(
            name: "008_instance_hostnames",
            sql: """
                ALTER TABLE channel_instances ADD COLUMN hostnames TEXT NOT NULL DEFAULT '';
                CREATE TABLE instance_hostnames(
                    hostname TEXT PRIMARY KEY,
                    instance_id TEXT NOT NULL REFERENCES channel_instances(id) ON DELETE CASCADE
                );
                CREATE INDEX instance_hostnames_instance ON instance_hostnames(instance_id);
                """),
    ]

    /// Opens (creating) `<dataDirectory>/host.sqlite` and applies pending migrations.
    ///
    /// - Parameter now: milliseconds since the epoch (tests pass a fake clock).
    /// - Throws: io when the file cannot be opened; conflict when its
    ///   migration history is not a prefix of ``migrations`` (a newer host wrote it).
    public init(
        dataDirectory: String, logger: Logger, now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) throws {
        path = (dataDirectory.isEmpty ? "." : dataDirectory) + "/host.sqlite"
        self.now = now
        connection = try SQLiteConnection(path: path)
        let applied = try Migrator.apply(Self.migrations, to: connection, table: Migrator.defaultTable, now: now) {
            [connection] sql in try connection.execute(sql)
        }
        if !applied.isEmpty {
            logger.info("host database migrated", metadata: ["path": "\(path)", "applied": "\(applied)"])
        }
    }

    // MARK: Shared helpers

    /// Throws invalidArgument unless `text` is valid JSON (an object when `objectOnly`).
    func requireJSON(_ text: String, field: String, objectOnly: Bool) throws {
        let check = try connection.query(
            "SELECT json_valid(?1), CASE WHEN json_valid(?1) THEN json_type(?1) END", [.text(text)])
        guard check.rows.first?[0].int64Value == 1 else {
            throw StorageError(.invalidArgument, "\(field) is not valid JSON")
        }
        if objectOnly, check.rows.first?[1].stringValue != "object" {
            throw StorageError(.invalidArgument, "\(field) must be a JSON object")
        }
    }

    /// Throws invalidArgument when `text` is empty.
    static func requireNonEmpty(_ text: String, field: String) throws {
        guard !text.isEmpty else { throw StorageError(.invalidArgument, "\(field) must not be empty") }
    }

    /// Reads a TEXT column, or throws internal.
    static func text(_ row: [SQLValue], _ index: Int) throws -> String {
        guard let value = row[index].stringValue else { throw corrupt(index) }
        return value
    }

    /// Reads a nullable TEXT column.
    static func optionalText(_ row: [SQLValue], _ index: Int) throws -> String? {
        if row[index].isNull { return nil }
        return try text(row, index)
    }

    /// Reads an INTEGER column, or throws internal.
    static func integer(_ row: [SQLValue], _ index: Int) throws -> Int64 {
        guard let value = row[index].int64Value else { throw corrupt(index) }
        return value
    }

    private static func corrupt(_ index: Int) -> StorageError {
        StorageError(.internal, "unexpected value type in column \(index) of the host database")
    }
}
