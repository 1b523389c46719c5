import Foundation
import Testing

@testable import SwitchboardStorage

@Suite("SQLiteConnection")
struct SQLiteConnectionTests {
    @Test("opens in WAL mode with the configured pragmas, creating parent directories")
    func openConfiguresTheFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/a/b/c/test.sqlite"
            let db = try SQLiteConnection(path: path)
            #expect(try db.query("PRAGMA journal_mode").scalar == .text("wal"))
            #expect(try db.query("PRAGMA foreign_keys").scalar == .integer(1))
            #expect(try db.query("PRAGMA synchronous").scalar == .integer(1))  // NORMAL
            #expect(try db.query("PRAGMA busy_timeout").scalar == .integer(5000))
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test("with background checkpoints, committed pages reach the database file while the writer only appends to the WAL")
    func backgroundCheckpoints() throws {
        func fileSize(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        }
        try withTemporaryDirectory { dir in
            // Written the same way with and without the checkpoint thread: about 4 MiB, far below
            // the writer's own threshold, so only the thread copies pages back before close.
            for background in [false, true] {
                let path = dir + "/\(background).sqlite"
                let db = try SQLiteConnection(path: path, backgroundCheckpoints: background)
                #expect(
                    try db.query("PRAGMA wal_autocheckpoint").scalar
                        == .integer(Int64(background ? SQLiteCheckpointer.backstopPages : 1000)))
                try db.execute("CREATE TABLE t(x BLOB)")
                try db.execute("PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.backstopPages)")
                for _ in 0..<40 {
                    try db.transaction {
                        for _ in 0..<25 { try db.run("INSERT INTO t VALUES (randomblob(4000))") }
                    }
                }
                var grown = false
                for _ in 0..<100 where !grown {
                    grown = fileSize(path) > 2_000_000
                    if !grown { Thread.sleep(forTimeInterval: 0.02) }
                }
                #expect(grown == background, "database file \(fileSize(path)) bytes, background: \(background)")
                #expect(try db.query("SELECT count(*) FROM t").scalar == .integer(1000))
            }
        }
    }

    @Test("run and query accept exactly one statement")
    func oneStatementPerCall() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/one.sqlite")
            try db.execute("CREATE TABLE t(x INTEGER)")
            let error = expectStorageError(.invalidArgument) {
                try db.run("INSERT INTO t VALUES (1); DROP TABLE t")
            }
            #expect(error?.message.contains("one statement per call") == true)
            expectStorageError(.invalidArgument) { try db.query("SELECT 1; SELECT 2") }
            expectStorageError(.invalidArgument) { try db.run("SELECT 1 /* c */; -- x\n DELETE FROM t") }
            // A NUL cannot hide a second statement.
            expectStorageError(.invalidArgument) { try db.run("SELECT 1\u{0}; DROP TABLE t") }
            expectStorageError(.invalidArgument) { try db.run("") }
            expectStorageError(.invalidArgument) { try db.run("  -- only a comment") }
            // The refused calls ran nothing: the table is still there and empty.
            #expect(try db.query("SELECT count(*) FROM t").scalar == .integer(0))
            // Trailing semicolons, whitespace and comments are fine.
            #expect(try db.run("INSERT INTO t VALUES (1);;  -- done\n /* really */ ") == 1)
            #expect(try db.query("SELECT x FROM t;").rows == [[.integer(1)]])
        }
    }

    @Test("values of every type round-trip through parameters")
    func valuesRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/values.sqlite")
            try db.execute("CREATE TABLE t(a, b, c, d, e, f, g)")
            let values: [SQLValue] = [
                .null, .integer(Int64.min), .real(2.5), .text("héllo \u{0} wörld"), .blob([0, 1, 255]), .blob([]),
                .text(""),
            ]
            #expect(try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", values) == 1)
            let result = try db.query("SELECT a, b, c, d, e, f, g, typeof(f) AS tf FROM t")
            #expect(result.columns == ["a", "b", "c", "d", "e", "f", "g", "tf"])
            #expect(result.rows == [values + [.text("blob")]])
            #expect(db.lastInsertRowID == 1)
        }
    }

    @Test("parameter count must match")
    func parameterCountMismatch() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/params.sqlite")
            expectStorageError(.invalidArgument) { try db.query("SELECT ?1 + ?2", [1]) }
            expectStorageError(.invalidArgument) { try db.query("SELECT 1", [1]) }
            #expect(try db.query("SELECT ?1 + ?2", [1, 2]).scalar == .integer(3))
        }
    }

    @Test("SQLite errors map to storage error codes")
    func errorMapping() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/errors.sqlite")
            try db.execute("CREATE TABLE t(x UNIQUE, y REFERENCES t(x))")
            try db.run("INSERT INTO t(x) VALUES (1)")
            let unique = expectStorageError(.conflict) { try db.run("INSERT INTO t(x) VALUES (1)") }
            #expect(unique?.sqliteCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            expectStorageError(.conflict) { try db.run("INSERT INTO t(x, y) VALUES (2, 99)") }  // foreign key
            let syntax = expectStorageError(.invalidArgument) { try db.query("SELEC 1") }
            #expect(syntax?.message.contains("syntax error") == true)
            expectStorageError(.invalidArgument) { try db.query("SELECT * FROM missing") }
        }
    }

    @Test("a throwing transaction body rolls back; nested transactions are savepoints")
    func transactions() throws {
        struct Boom: Error {}
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/tx.sqlite")
            try db.execute("CREATE TABLE t(x)")
            expectThrows(Boom.self) {
                try db.transaction { () throws -> Void in
                    try db.run("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(try db.query("SELECT count(*) FROM t").scalar == .integer(0))
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                try? db.transaction { () throws -> Void in
                    try db.run("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
                try db.run("INSERT INTO t VALUES (3)")
            }
            #expect(try db.query("SELECT x FROM t ORDER BY x").rows == [[1], [3]])
        }
    }

    @Test("concurrent writers on one connection do not lose rows")
    func concurrentUse() async throws {
        try await withTemporaryDirectoryAsync { dir in
            let db = try SQLiteConnection(path: dir + "/concurrent.sqlite")
            try db.execute("CREATE TABLE t(x)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in 0..<50 {
                            try db.transaction {
                                _ = try db.query("SELECT count(*) FROM t")
                                try db.run("INSERT INTO t VALUES (?)", [.integer(Int64(worker * 1000 + index))])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try db.query("SELECT count(*), count(DISTINCT x) FROM t").rows == [[400, 400]])
        }
    }
}

/// The async form of withTemporaryDirectory.
func withTemporaryDirectoryAsync<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("storage-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
