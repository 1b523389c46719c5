import Foundation
import Testing

@testable import SwitchboardStorage

/// Two tenants, A ("alpha") and B ("bravo"), use the same plugin ("notes").
/// Nothing A does through its PluginStorage may read or change B's data.
///
/// These tests exercise SQLite's sandbox itself, so they run in the `sqlite` dialect mode: in the
/// default `portable` mode most of these statements are refused earlier, by the dialect check
/// (PluginSQLDialectTests), and the sandbox stays beneath it as the last line.
@Suite("Plugin storage isolation")
struct PluginIsolationTests {
    static let migrations = [
        Migration(name: "001_notes", sql: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL);")
    ]

    private func withTenants(
        _ body: (_ a: PluginStorage, _ b: PluginStorage, _ provider: PluginStorageProvider, _ dir: String) throws ->
            Void
    )
        throws
    {
        try withTemporaryDirectory { dir in
            let provider = PluginStorageProvider(dataDirectory: dir, logger: quietLogger, sqlDialect: .sqlite)
            let a = try provider.storage(tenant: "alpha", plugin: "notes", migrations: Self.migrations)
            let b = try provider.storage(tenant: "bravo", plugin: "notes", migrations: Self.migrations)
            try body(a, b, provider, dir)
        }
    }

    @Test("each (tenant, plugin) has its own file at the documented path, cached per pair")
    func separateFiles() throws {
        try withTenants { a, b, provider, dir in
            #expect(a.path == dir + "/tenants/alpha/plugins/notes.sqlite")
            #expect(b.path == dir + "/tenants/bravo/plugins/notes.sqlite")
            #expect(FileManager.default.fileExists(atPath: a.path))
            #expect(FileManager.default.fileExists(atPath: b.path))
            let again = try provider.storage(tenant: "alpha", plugin: "notes", migrations: Self.migrations)
            let other = try provider.storage(tenant: "alpha", plugin: "other", migrations: [])
            #expect(again === a)
            #expect(other !== a)
            #expect(other.path == dir + "/tenants/alpha/plugins/other.sqlite")
        }
    }

    @Test("KV data of one tenant is invisible to the other, whatever the key")
    func kvIsolation() throws {
        try withTenants { a, b, _, _ in
            let crafted: [[UInt8]] = [
                "shared".bytes, "../bravo/plugins/notes".bytes, "B/shared".bytes, "bravo/shared".bytes,
                "a/../b".bytes, [0x73, 0x00, 0x62], "\u{0}".bytes, [UInt8](repeating: 0x2E, count: 1024),
                "'; DROP TABLE _sb_kv; --".bytes,
            ]
            for key in crafted { try a.kvPut(key: key, value: "from A".bytes) }
            for key in crafted {
                #expect(try b.kvGet(key) == nil)
                #expect(try a.kvGet(key) == "from A".bytes)
            }
            #expect(try b.kvList().keys.isEmpty)
            #expect(try a.kvList().keys.count == crafted.count)
            try b.kvPut(key: "shared".bytes, value: "from B".bytes)
            #expect(try a.kvGet("shared".bytes) == "from A".bytes)
            #expect(try b.kvList().keys == ["shared".bytes])
            try b.kvCompareAndSwap(key: "shared".bytes, expected: "from B".bytes, desired: nil)
            #expect(try a.kvGet("shared".bytes) == "from A".bytes)
            try b.kvPut(key: "gone".bytes, value: [1], ttlMs: 1)
            usleep(5_000)
            #expect(try b.sweepExpired() == 1)
            #expect(try a.kvList().keys.count == crafted.count)
        }
    }

    @Test("SQL data of one tenant is invisible to the other")
    func sqlIsolation() throws {
        try withTenants { a, b, _, _ in
            #expect(try a.sqlRun("INSERT INTO notes(body) VALUES (?1)", [.text("secret of A")]) == 1)
            #expect(try b.sqlQuery("SELECT count(*) FROM notes").scalar == .integer(0))
            try b.sqlRun("INSERT INTO notes(body) VALUES ('B')")
            #expect(try a.sqlQuery("SELECT body FROM notes").rows == [["secret of A"]])
            #expect(try b.sqlQuery("SELECT body FROM notes").rows == [["B"]])
            // A table A creates at run time does not exist for B.
            try a.sqlRun("CREATE TABLE only_a(x)")
            expectStorageError(.invalidArgument) { try b.sqlQuery("SELECT * FROM only_a") }
        }
    }

    @Test("ATTACH and DETACH are denied, including ATTACH of the other tenant's file")
    func attachDenied() throws {
        try withTenants { a, b, _, _ in
            try b.sqlRun("INSERT INTO notes(body) VALUES ('B only')")
            let error = expectStorageError(.denied) { try a.sqlRun("ATTACH DATABASE '\(b.path)' AS b") }
            #expect(error?.message.contains("ATTACH") == true)
            expectStorageError(.denied) { try a.sqlQuery("ATTACH ? AS b", [.text(b.path)]) }
            expectStorageError(.denied) { try a.sqlRun("ATTACH ':memory:' AS m") }
            expectStorageError(.denied) { try a.sqlRun("ATTACH 'file:\(b.path)?mode=ro' AS b") }
            expectStorageError(.denied) { try a.sqlRun("DETACH DATABASE main") }
            // Nothing got attached.
            #expect(try a.connection.query("PRAGMA database_list").rows.count == 1)
        }
    }

    @Test("VACUUM INTO another file is denied and writes nothing")
    func vacuumIntoDenied() throws {
        try withTenants { a, _, _, dir in
            let target = dir + "/stolen.sqlite"
            expectStorageError(.denied) { try a.sqlRun("VACUUM INTO '\(target)'") }
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test("PRAGMAs are denied except a few read-only schema ones")
    func pragmas() throws {
        try withTenants { a, _, _, _ in
            for pragma in [
                "PRAGMA writable_schema = 1", "PRAGMA writable_schema", "PRAGMA journal_mode = DELETE",
                "PRAGMA foreign_keys = OFF", "PRAGMA synchronous = OFF", "PRAGMA user_version = 7",
                "PRAGMA main.locking_mode = EXCLUSIVE", "PRAGMA temp_store_directory = '/tmp'",
                "PRAGMA trusted_schema = 1",
                "PRAGMA table_info(_sb_kv)", "PRAGMA index_list('_SB_KV')",
            ] {
                expectStorageError(.denied) { try a.sqlQuery(pragma) }
            }
            let writableSchema = try a.connection.query("PRAGMA writable_schema").scalar
            let journalMode = try a.connection.query("PRAGMA journal_mode").scalar
            #expect(writableSchema == .integer(0))
            #expect(journalMode == .text("wal"))
            let columns = try a.sqlQuery("PRAGMA table_info(notes)").rows.map { $0[1] }
            #expect(columns == ["id", "body"])
            #expect(try a.sqlQuery("SELECT name FROM pragma_table_info('notes')").rows.count == 2)
            #expect(try a.sqlQuery("PRAGMA index_list(notes)").rows.isEmpty)
        }
    }

    @Test("ordinary SQLite features still work for plugins")
    func ordinaryFeaturesAllowed() throws {
        try withTenants { a, _, _, _ in
            for sql in [
                "CREATE VIRTUAL TABLE search USING fts5(body)", "INSERT INTO search(body) VALUES ('hello world')",
                "CREATE VIRTUAL TABLE old_search USING fts4(body)",
                "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)",
                "INSERT INTO boxes VALUES (1, 0, 5)", "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)",
                "INSERT INTO seq(v) VALUES ('x')", "CREATE INDEX seq_v ON seq(v)", "ANALYZE", "REINDEX",
                "CREATE VIEW recent AS SELECT * FROM notes ORDER BY id DESC",
                "CREATE TRIGGER audit AFTER INSERT ON notes BEGIN INSERT INTO seq(v) VALUES (new.body); END",
                "INSERT INTO notes(body) VALUES ('n')", "ALTER TABLE seq ADD COLUMN w TEXT", "DROP VIEW recent",
            ] {
                try a.sqlRun(sql)
            }
            let found = try a.sqlQuery("SELECT body FROM search WHERE search MATCH ?1", ["hello"])
            #expect(found.rows == [["hello world"]])
            let audited = try a.sqlQuery("SELECT v FROM seq ORDER BY id")
            #expect(audited.rows == [["x"], ["n"]])
            let version = try a.sqlQuery("PRAGMA user_version")
            #expect(version.scalar == .integer(0))
            let each = try a.sqlQuery("SELECT value FROM json_each('[1,2]')")
            #expect(each.rows == [[1], [2]])
        }
    }

    @Test("load_extension and fts3_tokenizer are denied")
    func extensionFunctionsDenied() throws {
        try withTenants { a, _, _, _ in
            let error = expectStorageError(.denied) { try a.sqlQuery("SELECT load_extension('x')") }
            #expect(error?.message.contains("load_extension") == true)
            expectStorageError(.denied) { try a.sqlQuery("SELECT LOAD_EXTENSION('/tmp/evil.so', 'entry')") }
            expectStorageError(.denied) { try a.sqlQuery("SELECT fts3_tokenizer('simple')") }
            // Ordinary functions work.
            let ordinary = try a.sqlQuery("SELECT upper('x'), json_array(1, 2)")
            #expect(ordinary.rows == [["X", "[1,2]"]])
        }
    }

    @Test("host tables named _sb_* are off limits, directly or through views and triggers")
    func reservedTablesDenied() throws {
        try withTenants { a, _, _, _ in
            try a.kvPut(key: "token".bytes, value: "secret".bytes)
            for sql in [
                "SELECT * FROM _sb_kv", "SELECT * FROM main._sb_kv", #"SELECT * FROM "_SB_KV""#,
                "SELECT count(*) FROM _sb_kv",
                "SELECT * FROM _sb_migrations", "SELECT * FROM _sb_host_migrations",
                "INSERT INTO _sb_kv VALUES (x'61', x'62', NULL)", "UPDATE _sb_kv SET value = x'00'",
                "DELETE FROM _sb_kv",
                "DROP TABLE _sb_kv", "ALTER TABLE _sb_kv RENAME TO stolen", "CREATE INDEX spy ON _sb_kv(value)",
                "CREATE TRIGGER spy AFTER INSERT ON _sb_kv BEGIN SELECT 1; END",
                "CREATE TEMP TABLE _sb_kv(key, value, expires_at)", "CREATE TABLE _sb_mine(x)",
                "DROP INDEX _sb_kv_expires",
                "DELETE FROM _sb_migrations",
            ] {
                expectStorageError(.denied) { try a.sqlRun(sql) }
            }
            // Plugin SQL identical to the host's cached KV statement is still checked.
            expectStorageError(.denied) { try a.sqlQuery(PluginStorage.getSQL, [.blob("token".bytes), .integer(0)]) }
            // A view over the KV table may exist, but reading through it is denied.
            _ = try? a.sqlRun("CREATE VIEW leak AS SELECT * FROM _sb_kv")
            expectStorageError(.denied) { try a.sqlQuery("SELECT * FROM leak") }
            // A trigger writing into the KV table denies the statement that would fire it.
            _ = try? a.sqlRun("CREATE TRIGGER smuggle AFTER INSERT ON notes BEGIN DELETE FROM _sb_kv; END")
            expectStorageError(.denied) { try a.sqlRun("INSERT INTO notes(body) VALUES ('x')") }
            #expect(try a.kvGet("token".bytes) == "secret".bytes)
            #expect(try a.connection.query("SELECT count(*) FROM notes").scalar == .integer(0))
        }
    }

    @Test("transaction control is denied")
    func transactionControlDenied() throws {
        try withTenants { a, _, _, _ in
            for sql in ["BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SAVEPOINT s", "RELEASE s"] {
                expectStorageError(.denied) { try a.sqlRun(sql) }
            }
            // The host's KV calls still run their own transactions.
            try a.kvCompareAndSwap(key: "k".bytes, expected: nil, desired: [1])
        }
    }

    @Test("one statement per plugin call")
    func oneStatement() throws {
        try withTenants { a, _, _, _ in
            try a.sqlRun("INSERT INTO notes(body) VALUES ('kept')")
            expectStorageError(.invalidArgument) { try a.sqlRun("DELETE FROM notes; DROP TABLE notes") }
            expectStorageError(.invalidArgument) { try a.sqlQuery("SELECT 1; ATTACH 'x' AS x") }
            #expect(try a.sqlQuery("SELECT body FROM notes").rows == [["kept"]])
        }
    }

    @Test("strings and BLOBs made by plugin SQL are limited to 16 MiB")
    func lengthLimit() throws {
        try withTenants { a, _, _, _ in
            expectStorageError(.tooLarge) { try a.sqlQuery("SELECT zeroblob(16 * 1024 * 1024 + 1)") }
            expectStorageError(.tooLarge) {
                try a.sqlRun(
                    "INSERT INTO notes(body) VALUES (?)", [.text(String(repeating: "x", count: 16 * 1024 * 1024 + 1))])
            }
            let small = try a.sqlQuery("SELECT length(zeroblob(1024))")
            #expect(small.scalar == .integer(1024))
        }
    }

    @Test("a runaway plugin query is interrupted and the storage stays usable")
    func timeLimit() throws {
        try withTenants { a, _, _, _ in
            let started = ContinuousClock.now
            let error = expectStorageError(.timeout) {
                try a.sqlQuery("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
            }
            #expect(error != nil)
            #expect(ContinuousClock.now - started < .seconds(30))
            try a.kvPut(key: "after".bytes, value: [1])
            #expect(try a.sqlQuery("SELECT count(*) FROM notes").scalar == .integer(0))
        }
    }

    @Test("tenant and plugin names that could leave the data directory are refused")
    func badNames() throws {
        try withTemporaryDirectory { dir in
            let provider = PluginStorageProvider(dataDirectory: dir + "/data", logger: quietLogger, sqlDialect: .sqlite)
            for name in [
                "", "../b", "a/../b", "..", ".", "a/b", "A", "a b", "a\u{0}b", "-a", "_a", "é",
                String(repeating: "a", count: 65),
            ] {
                expectStorageError(.invalidArgument) {
                    try provider.storage(tenant: name, plugin: "notes", migrations: [])
                }
                expectStorageError(.invalidArgument) {
                    try provider.storage(tenant: "alpha", plugin: name, migrations: [])
                }
            }
            // Nothing was created anywhere for the refused names.
            #expect(!FileManager.default.fileExists(atPath: dir + "/data"))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(leftovers.isEmpty)
            _ = try provider.storage(tenant: String(repeating: "a", count: 64), plugin: "n0_-x", migrations: [])
        }
    }

    @Test("plugin migrations run under the same rules and extend on later opens")
    func migrationsRestricted() throws {
        try withTemporaryDirectory { dir in
            let provider = PluginStorageProvider(dataDirectory: dir, logger: quietLogger, sqlDialect: .sqlite)
            let victim = try provider.storage(tenant: "bravo", plugin: "notes", migrations: Self.migrations)
            let evil = [Migration(name: "001_evil", sql: "ATTACH '\(victim.path)' AS b; DELETE FROM b.notes;")]
            expectStorageError(.denied) { try provider.storage(tenant: "alpha", plugin: "evil", migrations: evil) }
            let sneaky = [Migration(name: "001_sneaky", sql: "CREATE TABLE t(x); DELETE FROM _sb_kv;")]
            expectStorageError(.denied) { try provider.storage(tenant: "alpha", plugin: "sneaky", migrations: sneaky) }

            let more = Self.migrations + [Migration(name: "002_tags", sql: "ALTER TABLE notes ADD COLUMN tags TEXT")]
            let storage = try provider.storage(tenant: "alpha", plugin: "notes", migrations: Self.migrations)
            _ = try provider.storage(tenant: "alpha", plugin: "notes", migrations: more)
            try storage.sqlRun("INSERT INTO notes(body, tags) VALUES ('b', 't')")
            expectStorageError(.conflict) {
                try provider.storage(
                    tenant: "alpha", plugin: "notes", migrations: [Migration(name: "001_other", sql: "SELECT 1")])
            }
        }
    }

    @Test("query answers from plugin SQL encode to the ABI's JSON")
    func queryJSON() throws {
        try withTenants { a, _, _, _ in
            try a.sqlRun("INSERT INTO notes(body) VALUES (?1)", [.text("line\n\"quoted\"")])
            let json = String(
                decoding: try a.sqlQuery("SELECT id, body, NULL AS n FROM notes").jsonData(), as: UTF8.self)
            #expect(json == #"{"columns":["id","body","n"],"rows":[[1,"line\n\"quoted\"",null]]}"#)
        }
    }
}
