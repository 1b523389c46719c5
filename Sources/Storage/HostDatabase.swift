import Foundation
import Logging

/// The host's own registry — tenants, channel instances, assistants, conversations and the
/// queues — in `<data>/host.sqlite` by default or on a PostgreSQL server
/// (``init(database:description:logger:now:)``), migrated with ``Migrator`` on open.
///
/// Every call is thread-safe; the calls that check before they write do so
/// in one transaction. Constraint violations surface as
/// ``StorageError/Code/conflict``, missing rows on update or delete as
/// ``StorageError/Code/notFound``, malformed input as ``StorageError/Code/invalidArgument``.
public final class HostDatabase: Sendable {
    /// The database file, or the PostgreSQL server (`postgres://host:port/database`, no
    /// credentials), for messages and logs.
    public let path: String
    /// Identifies this handle in the change log, so a process can skip the changes it made
    /// itself (it applied them when it made them).
    public let origin: String
    /// The column that orders rows in insertion order: SQLite's `rowid`, PostgreSQL's `seq`
    /// identity column (added to the same tables by the PostgreSQL migrations).
    let seqColumn: String
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
                """,
            postgres: [
                "CHECK(json_valid(settings))": "CHECK(CAST(settings AS jsonb) IS NOT NULL)",
                "CHECK(metadata IS NULL OR json_valid(metadata))": "CHECK(metadata IS NULL OR CAST(metadata AS jsonb) IS NOT NULL)",
            ],
            appending: "ALTER TABLE tenants ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;"),
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
                """,
            postgres: [:], appending: "ALTER TABLE api_keys ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;"),
        Migration(
            name: "003_registry_changes",
            sql: """
                CREATE TABLE registry_changes(
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                """,
            postgres: ["seq INTEGER PRIMARY KEY AUTOINCREMENT": "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]),
        Migration(
            name: "004_assistant_configs",
            sql: """
                CREATE TABLE assistant_configs(
                    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
                    config TEXT NOT NULL DEFAULT '{}' CHECK(json_valid(config) AND json_type(config) = 'object'),
                    updated_at INTEGER NOT NULL
                );
                """,
            postgres: [
                "CHECK(json_valid(config) AND json_type(config) = 'object')":
                    "CHECK(jsonb_typeof(CAST(config AS jsonb)) = 'object')"
            ]),
        Migration(
            name: "005_conversations", sql: ConversationStore.schema + ConversationStore.moveInboundMessages,
            postgres: [
                "CHECK(attachments IS NULL OR json_valid(attachments))":
                    "CHECK(attachments IS NULL OR CAST(attachments AS jsonb) IS NOT NULL)",
                "CHECK(metadata IS NULL OR json_valid(metadata))":
                    "CHECK(metadata IS NULL OR CAST(metadata AS jsonb) IS NOT NULL)",
                ConversationStore.moveInboundMessages: "",
            ],
            appending: ConversationStore.postgresAdditions),
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
                """,
            postgres: [:],
            appending: "ALTER TABLE knowledge_items ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;"),
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
        Migration(name: "009_change_origin", sql: "ALTER TABLE registry_changes ADD COLUMN origin TEXT;"),
    ]

    /// Opens (creating) `<dataDirectory>/host.sqlite` and applies pending migrations.
    ///
    /// - Parameter now: milliseconds since the epoch (tests pass a fake clock).
    /// - Throws: io when the file cannot be opened; conflict when its
    ///   migration history is not a prefix of ``migrations`` (a newer host wrote it).
    public convenience init(
        dataDirectory: String, logger: Logger, now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) throws {
        let path = (dataDirectory.isEmpty ? "." : dataDirectory) + "/host.sqlite"
        try self.init(database: try SQLiteConnection(path: path), description: path, logger: logger, now: now)
    }

    /// Uses `database` (SQLite or PostgreSQL) and applies pending migrations.
    ///
    /// - Parameter description: where it is, for messages (never with credentials).
    /// - Throws: conflict when its migration history is not a prefix of ``migrations``; a
    ///   failing migration's error.
    public init(
        database: any SQLDatabase, description: String, logger: Logger,
        now: @escaping @Sendable () -> Int64 = StorageClock.milliseconds
    ) throws {
        path = description
        self.now = now
        connection = database
        origin = RecordID.make(prefix: "host")
        seqColumn = database.backend == .sqlite ? "rowid" : "seq"
        let applied = try Migrator.apply(Self.migrations, to: database, table: Migrator.defaultTable, now: now) {
            sql in try database.execute(sql)
        }
        if !applied.isEmpty {
            logger.info("host database migrated", metadata: ["path": "\(path)", "applied": "\(applied)"])
        }
    }

    // MARK: Shared helpers

    /// Throws invalidArgument unless `text` is valid JSON (an object when `objectOnly`). Checked
    /// here rather than by the database, so both backends refuse the same texts the same way.
    func requireJSON(_ text: String, field: String, objectOnly: Bool) throws {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else {
            throw StorageError(.invalidArgument, "\(field) is not valid JSON")
        }
        if objectOnly, !(value is [String: Any]) {
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
