import Foundation
import Logging
import SwitchboardPostgres
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// `switchboard migrate-data`, run as the built binary on real SQLite files into a real
/// PostgreSQL server (a fresh schema per test), then read back through the host's own stores.
@Suite("migrate-data")
struct MigrateDataTests {
    static let binary = Fixtures.binDir + "/switchboard"
    static let logger = Logger(label: "test.migrate-data") { _ in SwiftLogNoOpLogHandler() }

    /// The plugin whose storage the install holds: two migrations, two tables, KV entries.
    static let pluginMigrations = [
        Migration(
            name: "001_notes",
            sql: """
                CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body BLOB, score REAL);
                CREATE INDEX notes_by_title ON notes(title);
                """),
        Migration(
            name: "002_tags",
            sql: "CREATE TABLE tags(id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id), tag TEXT NOT NULL)"),
    ]

    struct NoPostgres: Error, CustomStringConvertible {
        var description: String { "SWITCHBOARD_TEST_POSTGRES_URL is not set under CI: PostgreSQL is required" }
    }

    /// A URL with a schema of its own, or nil (and a skip message) when no server is configured.
    static func targetURL() throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["SWITCHBOARD_TEST_POSTGRES_URL"] else {
            if environment["CI"] != nil { throw NoPostgres() }
            print("skipping migrate-data tests: SWITCHBOARD_TEST_POSTGRES_URL is not set (run scripts/postgres start)")
            return nil
        }
        return url + "?schema=mig_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    static func migrate(_ arguments: String...) async throws -> (status: Int32, output: String) {
        try await Fixtures.run(binary, ["migrate-data"] + arguments)
    }

    /// What the seeded install holds, to compare with the target.
    struct Seeded {
        var data: String
        var tenants: [String]
        var conversationIds: [String]
    }

    /// An embedded install: two tenants, instances with secrets, an API key, an assistant,
    /// conversations with messages and an outbox row, and plugin storage (KV and SQL).
    static func seed() throws -> Seeded {
        let data = try Fixtures.temporaryDirectory("migrate-src")
        let database = try HostDatabase(dataDirectory: data, logger: logger)
        _ = try SecretBox.load(environment: [:], dataDirectory: data)
        let conversations = ConversationStore(database: database)
        var tenants: [String] = []
        var conversationIds: [String] = []
        for (index, slug) in ["acme", "globex"].enumerated() {
            let tenant = try database.createTenant(slug: slug, name: slug.capitalized)
            tenants.append(tenant.id)
            let instance = try database.createInstance(
                tenantId: tenant.id, plugin: "webchat", name: "\(slug)-chat", isDefault: index == 0,
                settings: "{\"greeting\":\"hi \(slug)\"}", secrets: [0, 1, 2, 255, UInt8(index)],
                hostnames: ["\(slug).example.com"])
            _ = try database.createInstance(tenantId: tenant.id, plugin: "sms", name: "\(slug)-sms")
            _ = try database.createAPIKey(
                tenantId: tenant.id, scope: .tenant, instanceId: nil, prefix: "sb_\(slug)",
                hash: Array("hash-of-\(slug)".utf8) + [0, 200])
            try database.setAssistantConfig(
                tenantId: tenant.id, json: "{\"model\":\"m-\(slug)\"}", secrets: [9, 8, 7, UInt8(index)])
            let prompt = try database.createPrompt(tenantId: tenant.id, content: "You help \(slug).")
            _ = try database.publishPrompt(tenantId: tenant.id, id: prompt.id)
            _ = try database.createPrompt(tenantId: tenant.id, content: "Draft for \(slug).")
            _ = try database.createKnowledgeItem(tenantId: tenant.id, title: "Hours", text: "\(slug) opens at 9")
            _ = try database.createKnowledgeItem(tenantId: tenant.id, title: "Prices", text: "\(slug) is cheap")
            try database.setInstanceStatus(instanceId: instance.id, json: "{\"ok\":true}")
            for message in 0..<7 {
                let input = InboundInput(
                    tenantId: tenant.id, instanceId: instance.id, externalId: "ext-\(slug)-\(message)",
                    from: "visitor-\(message % 2)", fromName: "Visitor", text: "message \(message) for \(slug)",
                    threadKey: "thread-\(message % 2)")
                _ = try conversations.ingest([input], handoffPause: 60_000)
            }
            let listed = try conversations.conversations(tenantId: tenant.id, limit: 100)
            conversationIds += listed.map(\.id)
            _ = try conversations.enqueueOutbound(conversationId: listed[0].id, text: "staff reply for \(slug)")
        }
        let storage = PluginStorageProvider(dataDirectory: data, logger: logger)
        let store = try storage.store(tenant: tenants[0], plugin: "notes", migrations: pluginMigrations)
        for note in 1...5 {
            try store.sqlRun(
                "INSERT INTO notes(title, body, score) VALUES (?1, ?2, ?3)",
                [.text("note \(note)"), .blob([UInt8(note), 0, 255]), .real(Double(note) / 2)])
        }
        try store.sqlRun("INSERT INTO notes(title) VALUES (?1)", [.text("empty")])
        for tag in 1...3 { try store.sqlRun("INSERT INTO tags(note_id, tag) VALUES (?1, ?2)", [.integer(Int64(tag)), .text("t\(tag)")]) }
        try store.kvPut(key: Array("alpha".utf8), value: [1, 2, 3])
        try store.kvPut(key: Array("beta".utf8), value: [0, 255], ttlMs: 3_600_000)
        try store.kvPut(key: Array("gone".utf8), value: [7], ttlMs: 1)
        let other = try storage.store(tenant: tenants[1], plugin: "kvonly", migrations: [])
        try other.kvPut(key: Array("k".utf8), value: Array("v".utf8))
        storage.closeAll()
        Thread.sleep(forTimeInterval: 0.01)
        return Seeded(data: data, tenants: tenants, conversationIds: conversationIds)
    }

    @Test("an install comes over whole: registry, secrets, assistant, conversations in order, outbox, plugin storage")
    func roundTrip() async throws {
        guard let url = try Self.targetURL() else { return }
        let seeded = try Self.seed()
        defer { try? FileManager.default.removeItem(atPath: seeded.data) }
        let source = try HostDatabase(dataDirectory: seeded.data, logger: Self.logger)
        let sourceConversations = ConversationStore(database: source)

        let result = try await Self.migrate("--from", "sqlite:\(seeded.data)", "--to", url)
        try #require(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SWITCHBOARD_MASTER_KEY"))
        let key = try String(contentsOfFile: seeded.data + "/master.key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!result.output.contains(key), "the master key itself is never printed")
        #expect(result.output.contains("messages"))
        #expect(result.output.contains("notes"))

        let postgres = try PostgresSQLDatabase(try PostgresSQLDatabase.Configuration(url: url), logger: Self.logger)
        defer { postgres.close() }
        let target = try HostDatabase(database: postgres, description: "target", logger: Self.logger)
        let targetConversations = ConversationStore(database: target)

        #expect(try target.listTenants() == source.listTenants())
        #expect(try target.listInstances() == source.listInstances())
        #expect(try target.listInstances().contains { $0.secrets == [0, 1, 2, 255, 0] })
        for tenant in seeded.tenants {
            #expect(try target.listAPIKeys(tenantId: tenant) == source.listAPIKeys(tenantId: tenant))
            let keyHash = Array("hash-of-\(tenant == seeded.tenants[0] ? "acme" : "globex")".utf8) + [0, 200]
            #expect(try target.activeAPIKey(hash: keyHash)?.tenantId == tenant)
            #expect(try target.assistantSettings(tenantId: tenant)?.config == source.assistantSettings(tenantId: tenant)?.config)
            #expect(try target.assistantSettings(tenantId: tenant)?.secrets == source.assistantSettings(tenantId: tenant)?.secrets)
            #expect(try target.prompts(tenantId: tenant) == source.prompts(tenantId: tenant))
            #expect(try target.publishedPrompt(tenantId: tenant) == source.publishedPrompt(tenantId: tenant))
            #expect(try target.knowledgeItems(tenantId: tenant) == source.knowledgeItems(tenantId: tenant))
            #expect(
                try targetConversations.conversations(tenantId: tenant, limit: 100)
                    == sourceConversations.conversations(tenantId: tenant, limit: 100))
        }
        for instance in try source.listInstances() {
            #expect(try target.instanceStatus(instanceId: instance.id) == source.instanceStatus(instanceId: instance.id))
        }
        for conversation in seeded.conversationIds {
            let expected = try Self.allMessages(sourceConversations, conversation)
            #expect(expected.count >= 3)
            #expect(try Self.allMessages(targetConversations, conversation) == expected)
        }
        let far = Int64.max / 2
        // Claiming due rows leases them, so each side is asked once.
        let targetOutbox = try targetConversations.dueOutbox(at: far, limit: 100)
        #expect(targetOutbox == (try sourceConversations.dueOutbox(at: far, limit: 100)))
        #expect(targetOutbox.map(\.message.text).sorted() == ["staff reply for acme", "staff reply for globex"])
        #expect(
            try targetConversations.dueReplyJobs(at: far, limit: 100)
                == sourceConversations.dueReplyJobs(at: far, limit: 100))

        // Plugin storage: opening with the manifest's migrations applies nothing new.
        let provider = try PluginStorageProvider(postgres: postgres, logger: Self.logger)
        let store = try provider.store(tenant: seeded.tenants[0], plugin: "notes", migrations: Self.pluginMigrations)
        #expect(try store.applyMigrations(Self.pluginMigrations) == [])
        let schema = try postgres.query(
            "SELECT name FROM plugin_sql_schemas WHERE tenant = ?1 AND plugin = 'notes'", [.text(seeded.tenants[0])]
        ).rows.first?.first?.stringValue ?? "missing"
        #expect(
            try postgres.query("SELECT name FROM \(schema)._sb_migrations ORDER BY seq", []).rows.map { $0.first }
                == [.text("001_notes"), .text("002_tags")])
        // A later plugin version's migration is the only one applied.
        let next = Migration(name: "003_pins", sql: "CREATE TABLE pins(id INTEGER PRIMARY KEY, note_id INTEGER)")
        #expect(try store.applyMigrations(Self.pluginMigrations + [next]) == ["003_pins"])
        #expect(result.output.contains("\(seeded.tenants[0])/notes: 2 tables, 9 rows, 2 KV entries"), "\(result.output)")
        let notes = try store.sqlQuery("SELECT id, title, body, score FROM notes ORDER BY id").rows
        #expect(notes.count == 6)
        #expect(notes.first == [.integer(1), .text("note 1"), .blob([1, 0, 255]), .real(0.5)])
        #expect(notes.last == [.integer(6), .text("empty"), .null, .null])
        #expect(try store.sqlQuery("SELECT note_id, tag FROM tags ORDER BY id").rows.map { $0[1] } == [.text("t1"), .text("t2"), .text("t3")])
        try store.sqlRun("INSERT INTO notes(title) VALUES (?1)", [.text("after the move")])
        #expect(try store.sqlQuery("SELECT max(id) FROM notes").rows.first?.first == .integer(7))
        #expect(try store.kvGet(Array("alpha".utf8)) == [1, 2, 3])
        #expect(try store.kvGet(Array("beta".utf8)) == [0, 255])
        #expect(try store.kvGet(Array("gone".utf8)) == nil)
        #expect(try store.kvList().keys == [Array("alpha".utf8), Array("beta".utf8)])
        let other = try provider.store(tenant: seeded.tenants[1], plugin: "kvonly", migrations: [])
        #expect(try other.kvGet(Array("k".utf8)) == Array("v".utf8))
        let kvRows = try postgres.query("SELECT count(*) FROM plugin_kv", []).rows.first?.first
        #expect(kvRows == .integer(3), "the expired entry is not copied")
    }

    static func allMessages(_ store: ConversationStore, _ conversation: String) throws -> [MessageRecord] {
        var messages: [MessageRecord] = []
        var cursor: String?
        while true {
            let page = try store.messages(conversationId: conversation, after: cursor, limit: 2)
            messages += page
            guard page.count == 2, let last = page.last else { return messages }
            cursor = last.id
        }
    }

    @Test("a target that holds data is refused and left as it was")
    func nonEmptyTarget() async throws {
        guard let url = try Self.targetURL() else { return }
        let seeded = try Self.seed()
        defer { try? FileManager.default.removeItem(atPath: seeded.data) }
        let postgres = try PostgresSQLDatabase(try PostgresSQLDatabase.Configuration(url: url), logger: Self.logger)
        defer { postgres.close() }
        let target = try HostDatabase(database: postgres, description: "target", logger: Self.logger)
        let existing = try target.createTenant(slug: "already-here", name: "Already")
        let before = try postgres.query("SELECT count(*) FROM messages", []).rows

        let result = try await Self.migrate("--from", "sqlite:\(seeded.data)", "--to", url)
        #expect(result.status != 0)
        #expect(result.output.contains("already holds data"), "\(result.output)")
        #expect(try target.listTenants() == [existing])
        #expect(try postgres.query("SELECT count(*) FROM messages", []).rows == before)
        #expect(try postgres.query("SELECT to_regclass('plugin_kv') IS NULL", []).rows.first?.first == .integer(1))
    }

    @Test("a bad --from is refused with a message naming it; so is a missing install and a non-PostgreSQL --to")
    func badArguments() async throws {
        let url = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"] ?? "postgres://nobody@127.0.0.1:1/none"
        let mysql = try await Self.migrate("--from", "mysql://x/y", "--to", url)
        #expect(mysql.status != 0)
        #expect(mysql.output.contains("--from") && mysql.output.contains("sqlite:"), "\(mysql.output)")
        let empty = try Fixtures.temporaryDirectory("migrate-empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let missing = try await Self.migrate("--from", "sqlite:\(empty)", "--to", url)
        #expect(missing.status != 0)
        #expect(missing.output.contains("no host.sqlite"), "\(missing.output)")
        let install = try Fixtures.temporaryDirectory("migrate-install")
        defer { try? FileManager.default.removeItem(atPath: install) }
        _ = try HostDatabase(dataDirectory: install, logger: Self.logger)
        let notPostgres = try await Self.migrate("--from", "sqlite:\(install)", "--to", "mysql://u:pw@h/db")
        #expect(notPostgres.status != 0)
        #expect(notPostgres.output.contains("--to"), "\(notPostgres.output)")
        #expect(!notPostgres.output.contains("pw"))
    }

    @Test("--from may name the host.sqlite file; the summary never shows the password")
    func fileSourceAndPassword() async throws {
        guard let url = try Self.targetURL() else { return }
        let seeded = try Self.seed()
        defer { try? FileManager.default.removeItem(atPath: seeded.data) }
        // The test server trusts local connections, so a password is accepted and ignored.
        let withPassword = url.replacingOccurrences(of: "@", with: ":s3cret-pw@", options: [], range: url.range(of: "@"))
        let result = try await Self.migrate("--from", "sqlite:\(seeded.data)/host.sqlite", "--to", withPassword)
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("s3cret-pw"))
        #expect(result.output.contains("********"))
        #expect(result.output.contains("tenants"))
        #expect(result.output.contains("database] url"))
    }

    @Test("a failure part way leaves the target empty and names the plugin store that failed")
    func failureRollsBack() async throws {
        guard let url = try Self.targetURL() else { return }
        let seeded = try Self.seed()
        defer { try? FileManager.default.removeItem(atPath: seeded.data) }
        // A plugin file whose table PostgreSQL's dialect check refuses (a date function).
        let directory = "\(seeded.data)/tenants/\(seeded.tenants[1])/plugins"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bad = try SQLiteConnection(path: directory + "/zzbad.sqlite")
        try bad.execute("CREATE TABLE stamps(id INTEGER PRIMARY KEY, at TEXT DEFAULT (datetime('now')))")

        let result = try await Self.migrate("--from", "sqlite:\(seeded.data)", "--to", url)
        #expect(result.status != 0)
        #expect(result.output.contains("plugin store \(seeded.tenants[1])/zzbad"), "\(result.output)")
        let postgres = try PostgresSQLDatabase(try PostgresSQLDatabase.Configuration(url: url), logger: Self.logger)
        defer { postgres.close() }
        for table in ["tenants", "channel_instances", "messages", "outbox", "plugin_kv", "plugin_sql_schemas"] {
            #expect(try postgres.query("SELECT count(*) FROM \(table)", []).rows.first?.first == .integer(0), "\(table)")
        }
        // Once the file is fixed (here: removed), the same target takes the copy.
        try FileManager.default.removeItem(atPath: directory + "/zzbad.sqlite")
        let retry = try await Self.migrate("--from", "sqlite:\(seeded.data)", "--to", url)
        #expect(retry.status == 0, "\(retry.output)")
    }
}
