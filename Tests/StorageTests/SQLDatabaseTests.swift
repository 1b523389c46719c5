import Foundation
import SwitchboardPostgres
import SwitchboardStorage
import Testing

/// The contract of ``SQLDatabase``, one body per backend (as GRDB runs one body over every
/// database kind): values, change counts, error codes, transactions and savepoints, threads.
@Suite("SQL database on every backend")
struct SQLDatabaseTests {
    static let table = "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, data BLOB)"

    @Test("the four column types and NULL round-trip, parameters by number", arguments: Backends.all)
    func values(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try db.execute(Self.table)
        try db.run("INSERT INTO items(id, name, score, data) VALUES (?1, ?2, ?3, ?4)", [7, "seven", 0.5, .blob([0, 255, 1])])
        try db.run("INSERT INTO items(id, name, score, data) VALUES (?, ?, ?, ?)", [8, "eight", nil, .blob([])])
        let result = try db.query("SELECT id, name, score, data FROM items WHERE id >= ?1 ORDER BY id", [7])
        #expect(result.columns == ["id", "name", "score", "data"])
        #expect(result.rows == [[7, "seven", 0.5, .blob([0, 255, 1])], [8, "eight", nil, .blob([])]])
        let same = try db.query("SELECT count(*) FROM items WHERE id = ?1 OR id = ?1 + 1", [7])
        #expect(same.rows.first?.first == 2)
    }

    @Test("run counts the rows a statement changed", arguments: Backends.all)
    func changes(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try db.execute(Self.table)
        for index in 1...3 { try db.run("INSERT INTO items(name) VALUES (?1)", [.text("n\(index)")]) }
        #expect(try db.run("UPDATE items SET score = ?1", [1.5]) == 3)
        #expect(try db.run("DELETE FROM items WHERE name = ?1", ["n2"]) == 1)
        #expect(try db.run("DELETE FROM items WHERE name = ?1", ["n2"]) == 0)
    }

    @Test("upsert and RETURNING behave the same", arguments: Backends.all)
    func upsert(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try db.execute(Self.table)
        let sql = """
            INSERT INTO items(name, score) VALUES (?1, ?2)
            ON CONFLICT (name) DO UPDATE SET score = excluded.score RETURNING id, score
            """
        let first = try db.query(sql, ["a", 1.0])
        let second = try db.query(sql, ["a", 2.5])
        #expect(first.rows.first?[0] == second.rows.first?[0])
        #expect(second.rows.first?[1] == 2.5)
        #expect(try db.query("SELECT count(*) FROM items", []).rows.first?.first == 1)
    }

    @Test("a unique violation is conflict, bad SQL invalidArgument, and neither loses a row", arguments: Backends.all)
    func errors(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try db.execute(Self.table)
        try db.run("INSERT INTO items(name) VALUES (?1)", ["kept"])
        let duplicate = #expect(throws: StorageError.self) { try db.run("INSERT INTO items(name) VALUES (?1)", ["kept"]) }
        #expect(duplicate?.code == .conflict)
        let bad = #expect(throws: StorageError.self) { try db.query("SELECT nope FROM items", []) }
        #expect(bad?.code == .invalidArgument)
        let missing = #expect(throws: StorageError.self) { try db.query("SELECT * FROM no_such_table", []) }
        #expect(missing?.code == .invalidArgument)
        #expect(try db.query("SELECT name FROM items", []).rows == [["kept"]])
    }

    @Test("a transaction commits when its body returns and rolls back when it throws", arguments: Backends.all)
    func transactions(backend: SQLBackend) throws {
        struct Abort: Error {}
        let db = try Backends.open(backend)
        try db.execute(Self.table)
        try db.transaction {
            try db.run("INSERT INTO items(name) VALUES (?1)", ["committed"])
        }
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.run("INSERT INTO items(name) VALUES (?1)", ["rolled back"])
                throw Abort()
            }
        }
        // A failed inner transaction is a savepoint: the outer one keeps its own work.
        try db.transaction {
            try db.run("INSERT INTO items(name) VALUES (?1)", ["outer"])
            #expect(throws: StorageError.self) {
                try db.transaction {
                    try db.run("INSERT INTO items(name) VALUES (?1)", ["inner"])
                    try db.run("INSERT INTO items(name) VALUES (?1)", ["outer"])
                }
            }
        }
        #expect(try db.query("SELECT name FROM items ORDER BY name", []).rows == [["committed"], ["outer"]])
    }

    @Test("transactions on many threads at once: none lost, none applied twice", arguments: Backends.all)
    func concurrency(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try db.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        try db.run("INSERT INTO counter(id, n) VALUES (1, 0)", [])
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                do {
                    try db.transaction {
                        let n = try db.query("SELECT n FROM counter WHERE id = 1 FOR UPDATE".portableLock(backend), [])
                            .rows.first?.first?.int64Value ?? -1
                        try db.run("UPDATE counter SET n = ?1 WHERE id = 1", [.integer(n + 1)])
                    }
                } catch { failures.add("\(error)") }
            }
        }
        #expect(failures.all.isEmpty)
        #expect(try db.query("SELECT n FROM counter", []).rows == [[200]])
    }

    @Test("database URLs: parsed, and refused with the part that is wrong")
    func urls() throws {
        let parsed = try PostgresSQLDatabase.Configuration(url: "postgres://sb:p%40ss@db.local:6543/switchboard?pool=3")
        #expect(parsed.host == "db.local" && parsed.port == 6543 && parsed.user == "sb")
        #expect(parsed.password == "p@ss" && parsed.database == "switchboard" && parsed.poolSize == 3)
        for (url, words) in [
            ("mysql://a@b/c", "postgres://"), ("postgres://b/c", "no user"), ("postgres://a@b", "no database"),
            ("postgres://a@b/c?pool=0", "pool"), ("postgres://a@b/c?colour=red", "unknown option colour"),
        ] {
            let error = #expect(throws: StorageError.self) { try PostgresSQLDatabase.Configuration(url: url) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(words) == true, "\(url): \(error?.message ?? "")")
        }
    }

    @Test("an unreachable server is an io error naming where it looked")
    func unreachable() throws {
        let configuration = PostgresSQLDatabase.Configuration(host: "127.0.0.1", port: 1, user: "sb", database: "none", poolSize: 1)
        let error = #expect(throws: StorageError.self) { try PostgresSQLDatabase(configuration, logger: .init(label: "t")) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("127.0.0.1:1/none") == true)
    }
}

/// Errors gathered from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

extension String {
    /// `FOR UPDATE` where the backend has row locks (SQLite's write transaction already excludes others).
    func portableLock(_ backend: SQLBackend) -> String {
        backend == .postgres ? self : replacingOccurrences(of: " FOR UPDATE", with: "")
    }
}
