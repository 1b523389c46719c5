import Testing

@testable import SwitchboardStorage

@Suite("Migrator")
struct MigratorTests {
    let first = Migration(name: "001_users", sql: "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);")
    let second = Migration(
        name: "002_email", sql: "ALTER TABLE users ADD COLUMN email TEXT; CREATE INDEX users_email ON users(email);")
    let third = Migration(
        name: "003_posts", sql: "CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id REFERENCES users(id));")

    @Test("applies pending migrations in order, once, and records them")
    func appliesForwardOnly() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/m.sqlite")
            #expect(try Migrator.apply([first, second], to: db) == ["001_users", "002_email"])
            #expect(try Migrator.appliedMigrations(in: db) == ["001_users", "002_email"])
            // Running again changes nothing; appending applies only the new one.
            #expect(try Migrator.apply([first, second], to: db) == [])
            #expect(try Migrator.apply([first, second, third], to: db) == ["003_posts"])
            try db.run("INSERT INTO users(name, email) VALUES ('a', 'a@x')")
            try db.run("INSERT INTO posts(user_id) VALUES (1)")
            let recorded = try db.query("SELECT name, typeof(applied_at) FROM _sb_migrations ORDER BY rowid")
            #expect(recorded.rows == [["001_users", "integer"], ["002_email", "integer"], ["003_posts", "integer"]])
        }
    }

    @Test("refuses a database with a migration the list lacks, naming it")
    func refusesUnknownMigration() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/m.sqlite")
            try Migrator.apply([first, second], to: db)
            let error = expectStorageError(.conflict) { try Migrator.apply([first], to: db) }
            #expect(error?.message.contains("002_email") == true)
            let renamed = Migration(name: "002_mail", sql: second.sql)
            let error2 = expectStorageError(.conflict) { try Migrator.apply([first, renamed, third], to: db) }
            #expect(error2?.message.contains("002_email") == true)
            // Nothing of the refused list was applied.
            #expect(try Migrator.appliedMigrations(in: db) == ["001_users", "002_email"])
            #expect(try db.query("SELECT count(*) FROM sqlite_master WHERE name = 'posts'").scalar == .integer(0))
        }
    }

    @Test("refuses a list whose order differs from the applied order")
    func refusesReordering() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/m.sqlite")
            let independent = Migration(name: "002_tags", sql: "CREATE TABLE tags(name TEXT)")
            try Migrator.apply([first, independent], to: db)
            let error = expectStorageError(.conflict) { try Migrator.apply([independent, first], to: db) }
            #expect(error?.message.contains("different order") == true)
        }
    }

    @Test("a failing migration rolls back entirely and is not recorded")
    func failingMigrationRollsBack() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/m.sqlite")
            let broken = Migration(name: "002_broken", sql: "CREATE TABLE half(x); INSERT INTO nowhere VALUES (1);")
            let error = expectStorageError(.invalidArgument) { try Migrator.apply([first, broken, third], to: db) }
            #expect(error?.message.contains("002_broken") == true)
            #expect(try Migrator.appliedMigrations(in: db) == ["001_users"])
            #expect(
                try db.query("SELECT count(*) FROM sqlite_master WHERE name IN ('half', 'posts')").scalar == .integer(0)
            )
        }
    }

    @Test("refuses duplicate and empty names")
    func refusesBadLists() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/m.sqlite")
            expectStorageError(.invalidArgument) { try Migrator.apply([first, first], to: db) }
            expectStorageError(.invalidArgument) { try Migrator.apply([Migration(name: "", sql: "SELECT 1")], to: db) }
            #expect(try Migrator.appliedMigrations(in: db) == [])
        }
    }
}
