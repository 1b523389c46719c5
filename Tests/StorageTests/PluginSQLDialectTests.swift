import Testing

@testable import SwitchboardStorage

/// The portable SQL subset plugins write: what passes, what is refused and why, and what
/// PostgreSQL is handed.
@Suite struct PluginSQLDialectTests {
    @Test(arguments: [
        "CREATE TABLE IF NOT EXISTS numbers (id INTEGER PRIMARY KEY, e164 TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('front_desk', 'pool', 'sitter')), weight REAL DEFAULT 1.0, photo BLOB)",
        "CREATE UNIQUE INDEX IF NOT EXISTS threads_client ON threads(tenant, client_id)",
        "CREATE TABLE bookings (id TEXT PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id), starts_at INTEGER NOT NULL, FOREIGN KEY (client_id) REFERENCES clients (id), UNIQUE (client_id, starts_at))",
        "ALTER TABLE numbers ADD COLUMN released_at INTEGER",
        "INSERT INTO audit (actor, action, at) VALUES (?1, ?2, ?3)",
        "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING k",
        "INSERT INTO seen (id) VALUES (?1) ON CONFLICT DO NOTHING",
        "SELECT n.e164, count(*) AS uses FROM numbers n LEFT JOIN sends s ON s.number_id = n.id WHERE n.status = 'active' AND lower(n.role) LIKE lower(?1) GROUP BY n.e164 HAVING count(*) > 0 ORDER BY uses DESC LIMIT 10 OFFSET ?2",
        "WITH recent AS (SELECT * FROM sends WHERE at > ?1) SELECT coalesce(max(at), 0) FROM recent",
        "SELECT CAST(weight AS TEXT), substr(e164, 1, 3) || '…' FROM numbers WHERE id IN (SELECT number_id FROM holds) AND EXISTS (SELECT 1 FROM sitters)",
        "UPDATE numbers SET status = 'quarantined', until = ?2 WHERE id = ?1",
        "DELETE FROM holds WHERE until < ?1",
        "DROP INDEX IF EXISTS old_index; DROP TABLE IF EXISTS old",
        "SELECT 'it''s fine; really' AS quote -- a comment with PRAGMA in it\n",
        "SELECT x, max(x), xref FROM t WHERE b = x'00ff' AND c = X'01' AND d = 'x'",
        "INSERT INTO main.notes(body) VALUES (?1)",
    ])
    func portableStatementsPass(sql: String) {
        #expect(PluginSQLDialect.check(sql) == nil, "\(PluginSQLDialect.check(sql).map(String.init(describing:)) ?? "")")
    }

    @Test(arguments: [
        ("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", "OR", "ON CONFLICT"),
        ("REPLACE INTO kv (k, v) VALUES (?, ?)", "REPLACE", "a statement starts with"),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)", "AUTOINCREMENT", "SQLite's"),
        ("PRAGMA table_info(t)", "PRAGMA", "PRAGMA is SQLite's"),
        ("SELECT rowid FROM t", "rowid", "rowid"),
        ("CREATE TABLE t (at DATETIME)", "DATETIME", "INTEGER, REAL, TEXT or BLOB"),
        ("CREATE TABLE t (name VARCHAR(20))", "VARCHAR", "INTEGER, REAL, TEXT or BLOB"),
        ("CREATE TABLE t (name TEXT(20))", "(", "no length"),
        ("CREATE TABLE t (id)", "id", "needs a type"),
        ("SELECT strftime('%s', 'now')", "strftime", "function strftime()"),
        ("SELECT ifnull(a, 0) FROM t", "ifnull", "function ifnull()"),
        ("SELECT a, julianday(b) FROM t", "julianday", "function julianday()"),
        ("SELECT * FROM t WHERE a = $1", "$1", "? or ?N"),
        ("SELECT * FROM t WHERE a = :name", ":name", "? or ?N"),
        ("SELECT a::text FROM t", "::", "CAST"),
        ("SELECT * FROM t WHERE a == 1", "==", "use ="),
        ("SELECT * FROM `t`", "`t`", "quote identifiers"),
        ("SELECT * FROM t WHERE a ILIKE 'x'", "ILIKE", "lower"),
        ("SELECT * FROM t WHERE a GLOB 'x*'", "GLOB", "LIKE"),
        ("CREATE VIRTUAL TABLE f USING fts5(body)", "VIRTUAL", "virtual"),
        ("CREATE TABLE t (a TEXT) WITHOUT ROWID", "WITHOUT", "WITHOUT ROWID"),
        ("BEGIN", "BEGIN", "transaction control"),
        ("ALTER TABLE t RENAME TO u", "ALTER", "ADD COLUMN"),
        ("SELECT 'unterminated", "'", "unterminated"),
        ("SELECT 1; UPDATE OR IGNORE t SET a = 1", "OR", "ON CONFLICT"),
    ])
    func nonPortableStatementsAreNamed(sql: String, token: String, reason: String) throws {
        let violation = try #require(PluginSQLDialect.check(sql), "\(sql) passed")
        #expect(violation.token.lowercased() == token.lowercased(), "\(violation)")
        #expect(violation.description.contains(reason), "\(violation)")
        #expect(PluginSQLDialect.check(sql, mode: .sqlite) == nil, "the sqlite mode leaves SQL to SQLite's own rules")
    }

    @Test("recursive CTEs pass: WITH RECURSIVE name(columns) is not a function call")
    func recursiveCTE() {
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT count(*) FROM c"
        #expect(PluginSQLDialect.check(sql) == nil, "\(PluginSQLDialect.check(sql).map(String.init(describing:)) ?? "")")
    }

    /// Statements that would reach past the plugin's own tables on PostgreSQL (its role, its
    /// search path, the server's files, other schemas) or on SQLite: all refused before they run.
    @Test(arguments: [
        ("SET ROLE postgres", "SET"), ("RESET ROLE", "RESET"), ("SET search_path TO public", "SET"),
        ("SET LOCAL statement_timeout = 0", "SET"), ("SET SESSION AUTHORIZATION postgres", "SET"),
        ("COPY notes TO '/tmp/x'", "COPY"), ("GRANT ALL ON notes TO PUBLIC", "GRANT"), ("REVOKE ALL ON notes FROM PUBLIC", "REVOKE"),
        ("DO 'BEGIN NULL; END'", "DO"), ("CALL p()", "CALL"), ("LOCK TABLE notes", "LOCK"), ("TRUNCATE notes", "TRUNCATE"),
        ("LISTEN x", "LISTEN"), ("NOTIFY x", "NOTIFY"), ("DISCARD ALL", "DISCARD"), ("EXPLAIN SELECT 1", "EXPLAIN"),
        ("TABLE notes", "TABLE"), ("SHOW search_path", "SHOW"), ("LOAD 'x'", "LOAD"), ("PREPARE p AS SELECT 1", "PREPARE"),
        ("SELECT set_config('role', 'postgres', true)", "set_config"), ("SELECT current_setting('role')", "current_setting"),
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"), ("SELECT * FROM pg_catalog.pg_roles", "pg_catalog"),
        ("SELECT * FROM pg_authid", "pg_authid"), ("SELECT * FROM information_schema.tables", "information_schema"),
        ("SELECT * FROM \"pg_catalog\".\"pg_tables\"", "\"pg_catalog\""), ("SELECT * FROM _sb_kv", "_sb_kv"),
        ("DROP TABLE _sb_migrations", "_sb_migrations"), ("SELECT name FROM sqlite_master", "sqlite_master"),
        ("CREATE ROLE evil", "ROLE"), ("CREATE SCHEMA evil", "SCHEMA"), ("CREATE FUNCTION f() RETURNS INTEGER AS 'SELECT 1' LANGUAGE sql", "FUNCTION"),
        ("CREATE TEMP TABLE t (a TEXT)", "TEMP"), ("CREATE TEMPORARY TABLE t (a TEXT)", "TEMPORARY"), ("CREATE SEQUENCE s", "SEQUENCE"),
        ("CREATE RULE r AS ON INSERT TO notes DO NOTHING", "RULE"), ("CREATE EXTENSION dblink", "EXTENSION"),
        ("DROP SCHEMA sbp_0 CASCADE", "SCHEMA"), ("DROP ROLE sbp_0", "ROLE"), ("DROP OWNED BY sbp_0", "OWNED"),
        ("ALTER ROLE sbp_0 ADD SUPERUSER", "ROLE"), ("ALTER SCHEMA sbp_0 OWNER TO postgres", "SCHEMA"),
        ("ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC", "DEFAULT"),
        ("SELECT 1; RESET ROLE", "RESET"),
    ])
    func escapesAreRefused(sql: String, token: String) throws {
        let violation = try #require(PluginSQLDialect.check(sql), "\(sql) passed")
        #expect(violation.token.lowercased() == token.lowercased(), "\(violation)")
    }

    @Test("reserved names are denials, as SQLite's sandbox would report them")
    func reservedNamesAreDenials() throws {
        for sql in ["SELECT * FROM _sb_kv", "SELECT * FROM pg_catalog.pg_class", "SELECT * FROM \"_SB_KV\""] {
            let violation = try #require(PluginSQLDialect.check(sql), "\(sql) passed")
            #expect(violation.isDenial, "\(violation)")
        }
        #expect(PluginSQLDialect.check("CREATE ROLE x")?.isDenial == false)
        #expect(PluginSQLDialect.check("SELECT sbp_note, pgx FROM t") == nil, "only the prefixes are reserved")
    }

    @Test func postgresTranslation() throws {
        #expect(
            try PluginSQLDialect.postgres(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, r REAL, s TEXT, b BLOB, UNIQUE (n, s))")
                == "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, r DOUBLE PRECISION, s TEXT, b BYTEA, UNIQUE (n, s))")
        #expect(try PluginSQLDialect.postgres("ALTER TABLE t ADD COLUMN at INTEGER") == "ALTER TABLE t ADD COLUMN at BIGINT")
        #expect(
            try PluginSQLDialect.postgres("SELECT * FROM t WHERE a = ? AND b = ? AND s = 'a ? mark'")
                == "SELECT * FROM t WHERE a = $1 AND b = $2 AND s = 'a ? mark'")
        #expect(try PluginSQLDialect.postgres("UPDATE t SET a = ?2 WHERE id = ?1") == "UPDATE t SET a = $2 WHERE id = $1")
        #expect(
            try PluginSQLDialect.postgres("SELECT CAST(n AS TEXT), 'INTEGER' FROM t -- INTEGER stays in text")
                == "SELECT CAST(n AS TEXT), 'INTEGER' FROM t -- INTEGER stays in text",
            "types are translated only in column definitions")
        #expect(
            try PluginSQLDialect.postgres("CREATE TABLE é (naïve TEXT); CREATE TABLE u (k INTEGER PRIMARY KEY)")
                == "CREATE TABLE é (naïve TEXT); CREATE TABLE u (k BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
    }

    @Test("plugin storage refuses SQL outside the dialect before SQLite runs it, and accepts it in sqlite mode")
    func storageChecksStatementsAndMigrations() throws {
        try withTemporaryDirectory { dir in
            let portable = PluginStorageProvider(dataDirectory: dir + "/p", logger: quietLogger)
            let notes = [Migration(name: "001_notes", sql: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL)")]
            let storage = try portable.storage(tenant: "alpha", plugin: "notes", migrations: notes)
            try storage.sqlRun("INSERT INTO notes(body) VALUES (?1)", [.text("kept")])
            do {
                try storage.sqlRun("INSERT OR REPLACE INTO notes(id, body) VALUES (1, 'gone')")
                Issue.record("INSERT OR REPLACE ran")
            } catch let error as StorageError {
                #expect(error.code == .invalidArgument && error.message.contains("portable SQL"), "\(error)")
            }
            #expect(try storage.sqlQuery("SELECT body FROM notes").rows == [[.text("kept")]], "nothing changed")
            expectStorageError(.denied) { try storage.sqlRun("ATTACH 'other.sqlite' AS o") }
            let old = [Migration(name: "001_old", sql: "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT)")]
            expectStorageError(.invalidArgument) { try portable.storage(tenant: "alpha", plugin: "old", migrations: old) }

            let sqlite = PluginStorageProvider(dataDirectory: dir + "/s", logger: quietLogger, sqlDialect: .sqlite)
            let legacy = try sqlite.storage(tenant: "alpha", plugin: "old", migrations: old)
            try legacy.sqlRun("INSERT OR REPLACE INTO t(id) VALUES (1)")
        }
    }
}
