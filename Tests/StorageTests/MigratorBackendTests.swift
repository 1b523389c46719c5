import Foundation
import SwitchboardStorage
import Testing

/// ``Migrator`` on every backend: the history, re-runs, refusals and a failing migration.
@Suite("Migrations on every backend")
struct MigratorBackendTests {
    static let users = Migration(name: "001_users", sql: "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    static let email = Migration(
        name: "002_email", sql: "ALTER TABLE users ADD COLUMN email TEXT; CREATE UNIQUE INDEX users_email ON users(email)")

    @Test("migrations apply once, in order, and are recorded", arguments: Backends.all)
    func applyOnce(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        #expect(try Migrator.apply([Self.users], to: db) == ["001_users"])
        #expect(try Migrator.apply([Self.users, Self.email], to: db) == ["002_email"])
        #expect(try Migrator.apply([Self.users, Self.email], to: db) == [])
        #expect(try Migrator.appliedMigrations(in: db) == ["001_users", "002_email"])
        try db.run("INSERT INTO users(name, email) VALUES (?1, ?2)", ["Ana", "ana@example.com"])
        let duplicate = #expect(throws: StorageError.self) {
            try db.run("INSERT INTO users(name, email) VALUES (?1, ?2)", ["Bo", "ana@example.com"])
        }
        #expect(duplicate?.code == .conflict)
    }

    @Test("a history the list does not contain is refused with conflict", arguments: Backends.all)
    func refusesUnknownHistory(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try Migrator.apply([Self.users, Self.email], to: db)
        let error = #expect(throws: StorageError.self) { try Migrator.apply([Self.users], to: db) }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("002_email") == true)
    }

    @Test("a failing migration is reported by name and leaves no half-applied schema", arguments: Backends.all)
    func failingMigration(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        try Migrator.apply([Self.users], to: db)
        let broken = Migration(name: "002_broken", sql: "CREATE TABLE half(id INTEGER); CREATE TABLE users(id INTEGER)")
        let error = #expect(throws: StorageError.self) { try Migrator.apply([Self.users, broken], to: db) }
        #expect(error?.message.contains("002_broken") == true)
        #expect(try Migrator.appliedMigrations(in: db) == ["001_users"])
        #expect(throws: StorageError.self) { try db.query("SELECT * FROM half", []) }
    }

    @Test("a migration may give PostgreSQL statements of its own", arguments: Backends.all)
    func perBackendSQL(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        let migration = Migration(
            name: "001_docs", sql: "CREATE TABLE docs(body TEXT CHECK(json_valid(body)))",
            postgresSQL: "CREATE TABLE docs(body TEXT CHECK(body::jsonb IS NOT NULL))")
        try Migrator.apply([migration], to: db)
        try db.run("INSERT INTO docs(body) VALUES (?1)", [#"{"a":1}"#])
        #expect(throws: StorageError.self) { try db.run("INSERT INTO docs(body) VALUES (?1)", ["{nope"]) }
        #expect(try db.query("SELECT count(*) FROM docs", []).rows.first?.first == 1)
    }

    @Test("hosts migrating one database at the same moment apply each migration once", arguments: Backends.all)
    func concurrentHosts(backend: SQLBackend) throws {
        let db = try Backends.open(backend)
        let results = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { results.add("\(try Migrator.apply([Self.users, Self.email], to: db).count)") } catch {
                results.add("error: \(error)")
            }
        }
        #expect(results.all.sorted() == ["0", "0", "0", "2"])
        #expect(try Migrator.appliedMigrations(in: db) == ["001_users", "002_email"])
    }
}
