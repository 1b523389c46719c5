import Foundation
import SwitchboardPostgres
import SwitchboardStorage
import Testing

/// Plugin storage (``PluginStore``) on every backend, one body per behaviour: the KV calls, the
/// plugin's migrations and SQL, error codes, time limits, and the isolation between
/// (tenant, plugin) pairs and from the host.
@Suite("Plugin storage on every backend")
struct PluginStoreTests {
    static let notes = Migration(name: "001_notes", sql: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
    static let tags = Migration(
        name: "002_tags", sql: "ALTER TABLE notes ADD COLUMN tag TEXT; CREATE INDEX notes_tag ON notes(tag)")

    // MARK: KV

    @Test("KV: put, get, overwrite, delete; keys and values are validated", arguments: Backends.all)
    func kvBasics(backend: SQLBackend) throws {
        let store = try PluginStorageFixture(backend).store()
        #expect(try store.kvGet("k".bytes) == nil)
        try store.kvPut(key: "k".bytes, value: [0, 1, 255])
        #expect(try store.kvGet("k".bytes) == [0, 1, 255])
        try store.kvPut(key: "k".bytes, value: [])
        #expect(try store.kvGet("k".bytes) == [], "an empty value is a value")
        #expect(try store.kvDelete(key: "k".bytes))
        #expect(try store.kvDelete(key: "k".bytes) == false)
        #expect(try store.kvGet("k".bytes) == nil)
        expectStorageError(.invalidArgument) { try store.kvPut(key: [], value: [1]) }
        expectStorageError(.invalidArgument) { try store.kvGet([0xFF, 0xFE]) }
        expectStorageError(.invalidArgument) { try store.kvGet([UInt8](repeating: 0x61, count: 1025)) }
        expectStorageError(.tooLarge) {
            try store.kvPut(key: "big".bytes, value: [UInt8](repeating: 0, count: PluginStorage.maxValueBytes + 1))
        }
        try store.kvPut(key: [UInt8](repeating: 0x61, count: 1024), value: [1])
        #expect(try store.kvGet([UInt8](repeating: 0x61, count: 1024)) == [1])
    }

    @Test("KV: entries expire after their TTL, read as absent, and are swept", arguments: Backends.all)
    func kvExpiry(backend: SQLBackend) throws {
        let clock = ManualClock()
        let fixture = try PluginStorageFixture(backend, now: clock.now)
        let store = try fixture.store()
        try store.kvPut(key: "a".bytes, value: [1], ttlMs: 100)
        try store.kvPut(key: "b".bytes, value: [2], ttlMs: 100)
        try store.kvPut(key: "c".bytes, value: [3])
        try store.kvPut(key: "d".bytes, value: [4], ttlMs: UInt64.max)
        clock.advance(byMilliseconds: 99)
        #expect(try store.kvGet("a".bytes) == [1])
        clock.advance(byMilliseconds: 1)
        #expect(try store.kvGet("a".bytes) == nil)
        #expect(try store.kvList().keys == ["c".bytes, "d".bytes])
        #expect(try store.kvDelete(key: "a".bytes) == false, "an expired entry is not a live one")
        #expect(fixture.provider.sweepExpired() == 1)
        #expect(try store.sweepExpired() == 0)
        try store.kvPut(key: "b".bytes, value: [5])
        #expect(try store.kvGet("b".bytes) == [5])
        clock.advance(byMilliseconds: 1_000_000)
        #expect(try store.kvGet("d".bytes) == [4], "a huge TTL saturates instead of wrapping")
    }

    @Test("KV: listing by prefix in byte order, with startAfter, limit and next", arguments: Backends.all)
    func kvList(backend: SQLBackend) throws {
        let store = try PluginStorageFixture(backend).store()
        for key in ["b/1", "a/2", "é", "a/1", "a/10", "a/3", "a"] { try store.kvPut(key: key.bytes, value: [1]) }
        let all = try store.kvList()
        #expect(all.keys == ["a", "a/1", "a/10", "a/2", "a/3", "b/1", "é"].map(\.bytes))
        #expect(all.next == nil)
        let first = try store.kvList(prefix: "a/".bytes, limit: 2)
        #expect(first.keys == ["a/1", "a/10"].map(\.bytes))
        #expect(first.next == "a/10".bytes)
        let second = try store.kvList(prefix: "a/".bytes, startAfter: first.next, limit: 2)
        #expect(second.keys == ["a/2", "a/3"].map(\.bytes))
        #expect(second.next == nil)
        #expect(try store.kvList(startAfter: "b/1".bytes).keys == ["é".bytes])
        #expect(try store.kvList(prefix: "a/".bytes, startAfter: "0".bytes).keys.count == 4, "startAfter before the prefix")
        #expect(try store.kvList(prefix: "zz".bytes).keys.isEmpty)
        expectStorageError(.invalidArgument) { try store.kvList(limit: -1) }
    }

    @Test("KV: compare-and-swap — absent, match, mismatch, delete, expired counts as absent", arguments: Backends.all)
    func kvCompareAndSwap(backend: SQLBackend) throws {
        let clock = ManualClock()
        let store = try PluginStorageFixture(backend, now: clock.now).store()
        try store.kvCompareAndSwap(key: "k".bytes, expected: nil, desired: "v1".bytes)
        #expect(try store.kvGet("k".bytes) == "v1".bytes)
        let exists = expectStorageError(.conflict) { try store.kvCompareAndSwap(key: "k".bytes, expected: nil, desired: "x".bytes) }
        #expect(exists?.message.contains("exists") == true)
        let differs = expectStorageError(.conflict) {
            try store.kvCompareAndSwap(key: "k".bytes, expected: "nope".bytes, desired: "x".bytes)
        }
        #expect(differs?.message.contains("differs") == true)
        #expect(try store.kvGet("k".bytes) == "v1".bytes, "a failed swap writes nothing")
        try store.kvCompareAndSwap(key: "k".bytes, expected: "v1".bytes, desired: "v2".bytes, ttlMs: 50)
        #expect(try store.kvGet("k".bytes) == "v2".bytes)
        clock.advance(byMilliseconds: 50)
        let absent = expectStorageError(.conflict) {
            try store.kvCompareAndSwap(key: "k".bytes, expected: "v2".bytes, desired: "x".bytes)
        }
        #expect(absent?.message.contains("absent") == true)
        try store.kvCompareAndSwap(key: "k".bytes, expected: nil, desired: "v3".bytes)
        #expect(try store.kvGet("k".bytes) == "v3".bytes)
        try store.kvCompareAndSwap(key: "k".bytes, expected: "v3".bytes, desired: nil)
        #expect(try store.kvGet("k".bytes) == nil)
        try store.kvCompareAndSwap(key: "never".bytes, expected: nil, desired: nil)
        #expect(try store.kvList().keys.isEmpty)
    }

    @Test("KV: compare-and-swap from many threads at once lets exactly one writer win each round", arguments: Backends.all)
    func kvCompareAndSwapRace(backend: SQLBackend) throws {
        let store = try PluginStorageFixture(backend).store()
        let winners = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            do {
                try store.kvCompareAndSwap(key: "lock".bytes, expected: nil, desired: [UInt8(index)])
                winners.add("\(index)")
            } catch let error as StorageError where error.code == .conflict {
            } catch { winners.add("error: \(error)") }
        }
        #expect(winners.all.count == 1, "\(winners.all)")
    }

    // MARK: Migrations

    @Test("plugin migrations apply once, new ones are appended, a diverging history is refused", arguments: Backends.all)
    func migrations(backend: SQLBackend) throws {
        let fixture = try PluginStorageFixture(backend)
        var store = try fixture.store(migrations: [Self.notes])
        try store.sqlRun("INSERT INTO notes(body) VALUES (?1)", ["kept"])
        fixture.provider.closeAll()
        store = try fixture.store(migrations: [Self.notes])
        #expect(try store.sqlQuery("SELECT body FROM notes").rows == [["kept"]], "reopening applies nothing again")
        store = try fixture.store(migrations: [Self.notes, Self.tags])
        try store.sqlRun("UPDATE notes SET tag = ?1", ["t"])
        #expect(try store.applyMigrations([Self.notes, Self.tags]) == [])
        let missing = expectStorageError(.conflict) { try fixture.store(migrations: [Self.notes]) }
        #expect(missing?.message.contains("002_tags") == true, "\(String(describing: missing))")
        expectStorageError(.conflict) { try fixture.store(migrations: [Self.tags, Self.notes]) }
        let outside = Migration(name: "003_old", sql: "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT)")
        expectStorageError(.invalidArgument) { try fixture.store(migrations: [Self.notes, Self.tags, outside]) }
        let broken = Migration(name: "003_broken", sql: "CREATE TABLE half(x TEXT); CREATE TABLE notes(x TEXT)")
        expectStorageError(.invalidArgument) { try fixture.store(migrations: [Self.notes, Self.tags, broken]) }
        expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT * FROM half") }
        #expect(try store.sqlQuery("SELECT body, tag FROM notes").rows == [["kept", "t"]])
    }

    // MARK: SQL

    @Test("plugin SQL round-trips the four types and NULL, and aggregates keep SQLite's types", arguments: Backends.all)
    func sqlValues(backend: SQLBackend) throws {
        let store = try PluginStorageFixture(backend).store()
        try store.sqlRun("CREATE TABLE v(i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        let row: [SQLValue] = [.integer(Int64.max), .real(-1.25), .text("héllo ✓"), .blob([0, 255, 7]), .null]
        #expect(try store.sqlRun("INSERT INTO v(i, r, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5)", row) == 1)
        #expect(try store.sqlQuery("SELECT i, r, s, b, n FROM v").rows == [row])
        try store.sqlRun("CREATE TABLE nums(x INTEGER)")
        for x in [1, 2, 4] { try store.sqlRun("INSERT INTO nums(x) VALUES (?1)", [.integer(Int64(x))]) }
        let aggregates = try store.sqlQuery("SELECT count(*), sum(x), max(x), avg(x), length('abc'), 1.5 FROM nums")
        #expect(aggregates.rows == [[3, 7, 4, .real(7.0 / 3.0), 3, 1.5]])
        #expect(try store.sqlRun("UPDATE nums SET x = x * 2 WHERE x > ?1", [1]) == 2)
        let returned = try store.sqlQuery("INSERT INTO nums(x) VALUES (?1) RETURNING x", [9])
        #expect(returned.rows == [[9]])
    }

    @Test("constraint violations are conflict; bad SQL, several statements and wrong parameters invalidArgument", arguments: Backends.all)
    func sqlErrors(backend: SQLBackend) throws {
        let store = try PluginStorageFixture(backend).store(migrations: [Self.notes])
        try store.sqlRun("INSERT INTO notes(body) VALUES (?1)", ["one"])
        expectStorageError(.conflict) { try store.sqlRun("INSERT INTO notes(body) VALUES (?1)", ["one"]) }
        expectStorageError(.conflict) { try store.sqlRun("INSERT INTO notes(body) VALUES (?1)", [.null]) }
        expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT nope FROM notes") }
        expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT * FROM no_such_table") }
        expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT FROM WHERE") }
        expectStorageError(.invalidArgument) { try store.sqlRun("INSERT INTO notes(body) VALUES ('a'); INSERT INTO notes(body) VALUES ('b')") }
        expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT ?1 FROM notes", [1, 2]) }
        let dialect = expectStorageError(.invalidArgument) { try store.sqlRun("INSERT OR REPLACE INTO notes(body) VALUES ('x')") }
        #expect(dialect?.message.contains("portable SQL") == true)
        #expect(try store.sqlQuery("SELECT body FROM notes").rows == [["one"]], "nothing else was written")
    }

    @Test("a statement over its time limit is interrupted with timeout, and the store keeps working", arguments: Backends.all)
    func sqlTimeout(backend: SQLBackend) throws {
        let limits = PluginSQLTimeLimits(statementMilliseconds: 200, migrationMilliseconds: 5_000)
        let store = try PluginStorageFixture(backend, timeLimits: limits).store()
        let started = Date()
        expectStorageError(.timeout) {
            try store.sqlQuery(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c")
        }
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(try store.sqlQuery("SELECT 1").rows == [[1]])
    }

    // MARK: Isolation

    @Test("a tenant's plugin sees neither the KV entries nor the tables of another tenant's", arguments: Backends.all)
    func tenantIsolation(backend: SQLBackend) throws {
        let fixture = try PluginStorageFixture(backend)
        let a = try fixture.store("alpha", migrations: [Self.notes])
        let b = try fixture.store("bravo", migrations: [Self.notes])
        try a.kvPut(key: "shared".bytes, value: "from A".bytes)
        #expect(try b.kvGet("shared".bytes) == nil)
        #expect(try b.kvList().keys.isEmpty)
        try b.kvCompareAndSwap(key: "shared".bytes, expected: nil, desired: "from B".bytes)
        #expect(try a.kvGet("shared".bytes) == "from A".bytes)
        try a.sqlRun("INSERT INTO notes(body) VALUES (?1)", ["secret of A"])
        try a.sqlRun("CREATE TABLE only_a(x TEXT)")
        #expect(try b.sqlQuery("SELECT count(*) FROM notes").rows == [[0]])
        expectStorageError(.invalidArgument) { try b.sqlQuery("SELECT * FROM only_a") }
        switch backend {
        case .postgres:
            let schema = try #require((a as? PostgresPluginStore)?.schema)
            for sql in [
                "SELECT * FROM \(schema).notes", "SELECT * FROM \(schema).only_a",
                "INSERT INTO \(schema).notes(body) VALUES ('from B')", "DROP TABLE \(schema).only_a",
                "CREATE TABLE \(schema).planted(x TEXT)",
            ] {
                let error = expectStorageError(.denied) { try b.sqlRun(sql) }
                #expect(error?.message.contains("permission denied") == true, "\(sql): \(String(describing: error))")
            }
        case .sqlite:
            expectStorageError(.invalidArgument) { try b.sqlQuery("SELECT * FROM alpha.notes") }
        }
        #expect(try a.sqlQuery("SELECT body FROM notes").rows == [["secret of A"]])
    }

    @Test("a plugin reaches neither the host's tables nor its own migration history", arguments: Backends.all)
    func hostTables(backend: SQLBackend) throws {
        let fixture = try PluginStorageFixture(backend)
        let store = try fixture.store(migrations: [Self.notes])
        for sql in ["SELECT * FROM _sb_migrations", "DELETE FROM _sb_migrations", "SELECT * FROM _sb_kv"] {
            expectStorageError(.denied) { try store.sqlRun(sql) }
        }
        if backend == .postgres {
            let host = try #require(fixture.hostSchema)
            for table in ["plugin_kv", "plugin_sql_schemas"] {
                expectStorageError(.denied) { try store.sqlQuery("SELECT * FROM \(host).\(table)") }
                expectStorageError(.invalidArgument) { try store.sqlQuery("SELECT * FROM \(table)") }
            }
            expectStorageError(.denied) { try store.sqlRun("CREATE TABLE public.planted(x TEXT)") }
        }
    }

    @Test("removing a tenant deletes its KV entries and tables and nobody else's", arguments: Backends.all)
    func removeTenant(backend: SQLBackend) throws {
        let fixture = try PluginStorageFixture(backend)
        let a = try fixture.store("alpha", migrations: [Self.notes])
        let b = try fixture.store("bravo", migrations: [Self.notes])
        for store in [a, b] {
            try store.kvPut(key: "k".bytes, value: [1])
            try store.sqlRun("INSERT INTO notes(body) VALUES ('n')")
        }
        let schema = (a as? PostgresPluginStore)?.schema
        try fixture.provider.removeTenant("alpha")
        let again = try fixture.store("alpha", migrations: [])
        #expect(again !== a)
        #expect(try again.kvGet("k".bytes) == nil)
        expectStorageError(.invalidArgument) { try again.sqlQuery("SELECT * FROM notes") }
        #expect(try b.kvGet("k".bytes) == [1])
        #expect(try b.sqlQuery("SELECT count(*) FROM notes").rows == [[1]])
        if let schema, let database = fixture.database {
            let left = try database.query(
                "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = ?1) + (SELECT count(*) FROM pg_namespace WHERE nspname = ?1)",
                [.text(schema)])
            #expect(left.rows == [[0]], "the role and the schema are dropped")
        }
    }

    @Test(
        "PostgreSQL: the plugin role alone, without the dialect check, is refused the host, other schemas and new schemas",
        // (Not SET ROLE: the session's user may switch to any role it joined, so SET and RESET
        // are kept out by the dialect, PluginSQLDialectTests.escapesAreRefused.)
        .enabled(if: Backends.all.contains(.postgres)))
    func roleBeneathTheDialect() throws {
        let fixture = try PluginStorageFixture(.postgres)
        let database = try #require(fixture.database)
        let host = try #require(fixture.hostSchema)
        let a = try #require(try fixture.store("alpha", migrations: [Self.notes]) as? PostgresPluginStore)
        let b = try #require(try fixture.store("bravo", migrations: [Self.notes]) as? PostgresPluginStore)
        for sql in [
            "SELECT * FROM \(host).plugin_kv", "SELECT * FROM \(host)._sb_plugin_store_migrations",
            "SELECT * FROM \(b.schema).notes", "SELECT * FROM \(a.schema)._sb_migrations",
            "CREATE SCHEMA planted", "CREATE TABLE public.planted(x int)", "CREATE ROLE planted",
            "SELECT pg_read_file('/etc/hostname')",
        ] {
            let error = expectStorageError(.denied) {
                try database.withLocalSettings(role: a.schema, searchPath: [a.schema], statementTimeoutMilliseconds: 1_000) {
                    try database.execute(sql)
                }
            }
            #expect(error?.message.contains("permission denied") == true, "\(sql): \(String(describing: error))")
        }
        let role = try database.query("SELECT current_user", []).rows.first?.first?.stringValue
        #expect(role != a.schema, "no connection kept the plugin's role")
        // Inside a host transaction (as migrations run) the settings are put back afterwards.
        let settings = "SELECT current_user, current_setting('search_path'), current_setting('statement_timeout')"
        try database.transaction {
            let before = try database.query(settings, []).rows
            let inside = try database.withLocalSettings(
                role: a.schema, searchPath: [a.schema, "pg_temp"], statementTimeoutMilliseconds: 1_234
            ) { try database.query(settings, []).rows }
            #expect(inside == [[.text(a.schema), .text("\(a.schema), pg_temp"), "1234ms"]])
            #expect(try database.query(settings, []).rows == before)
        }
    }
}
