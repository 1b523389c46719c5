import Foundation
import Logging
import SwitchboardPostgres
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// Several `switchboard serve` processes on one PostgreSQL, as behind a load balancer: each
/// inbound message is answered once whichever host received it, registry changes made through
/// one host reach the other, and a host killed mid-delivery loses nothing.
@Suite("Several hosts on one PostgreSQL")
struct MultiHostTests {
    static let token = "multi-host-admin-token"

    /// Two hosts on fresh data directories sharing a fresh schema, the probe plugin loaded.
    struct Cluster: Sendable {
        let root: String
        let url: String
        var hosts: [ServeProcess]
        let environment: [String: String]

        static func start(_ label: String, count: Int = 2, lease: Int = 2) async throws -> Cluster {
            let base = try #require(Fixtures.postgresURL, "SWITCHBOARD_TEST_POSTGRES_URL is not set: run scripts/test")
            let root = try Fixtures.temporaryDirectory(label)
            let plugins = root + "/plugins"
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            try await Fixtures.compileFixture("probe", into: plugins)
            let schema = "m_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let url = base + "?pool=6&schema=" + schema
            let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            var environment = [
                "SWITCHBOARD_ADMIN_TOKEN": MultiHostTests.token, "SWITCHBOARD_DATABASE_URL": url,
                "SWITCHBOARD_MASTER_KEY": key, "SWITCHBOARD_PLUGINS_DIRECTORIES": "\(Fixtures.binDir):\(plugins)",
                "SWITCHBOARD_DATABASE_CLAIM_LEASE_SECONDS": "\(lease)",
                "SWITCHBOARD_CONVERSATIONS_RETRY_BASE_MS": "100", "SWITCHBOARD_CONVERSATIONS_MAX_RETRY_DELAY_MS": "1000", "SWITCHBOARD_CONVERSATIONS_MAX_SEND_ATTEMPTS": "100",
                "SWITCHBOARD_CONVERSATIONS_AGENT_CALLS_PER_MINUTE": "0", "SWITCHBOARD_LOGGING_LEVEL": "warning",
            ]
            var hosts: [ServeProcess] = []
            for index in 0..<count {
                environment["SWITCHBOARD_STORAGE_DATA_DIR"] = root + "/data-\(index)"
                let host = try ServeProcess(arguments: [], environment: environment, logFile: root + "/host-\(index).log")
                hosts.append(host)
                #expect(await host.waitUntilReady(), "host \(index): \(host.output)")
            }
            return Cluster(root: root, url: url, hosts: hosts, environment: environment)
        }

        /// The registry and conversations, read straight from PostgreSQL.
        func database() throws -> HostDatabase {
            let postgres = try PostgresSQLDatabase(try PostgresSQLDatabase.Configuration(url: url), logger: Logger(label: "test"))
            return try HostDatabase(database: postgres, description: "test", logger: Logger(label: "test"))
        }

        func stop() async {
            for host in hosts { _ = await host.terminate() }
            try? FileManager.default.removeItem(atPath: root)
        }

        /// Runs `body` on a new cluster and stops its processes afterwards, whether it threw or
        /// not (a deferred task could outlive the test run and leave servers behind).
        static func with(
            _ label: String, lease: Int = 2, _ body: (Cluster) async throws -> Void
        ) async throws {
            let cluster = try await start(label, lease: lease)
            do {
                try await body(cluster)
            } catch {
                await cluster.stop()
                throw error
            }
            await cluster.stop()
        }
    }

    /// Creates tenant `acme` and probe instance `k` through `host`; returns the instance id.
    static func createInstance(on host: ServeProcess) async throws -> String {
        #expect(try await host.request(.POST, "/admin/v1/tenants", token: token, body: #"{"slug":"acme"}"#).status == 201)
        let created = try await host.request(
            .POST, "/admin/v1/instances", token: token, body: #"{"tenant":"acme","plugin":"probe","name":"k"}"#)
        #expect(created.status == 201, "\(created.text)")
        return try #require(OutboxCrashTests.object(created.text)["id"] as? String)
    }

    @Test(
        "1,000 inbound messages spread over two hosts: each stored once and answered exactly once",
        .enabled(if: Fixtures.postgresURL != nil || Fixtures.isCI))
    func thousandMessages() async throws {
        // A lease well past a send under this load (a send outliving its lease is sent again by
        // the other host: at least once, by design).
        try await Cluster.with("multi-host", lease: 30) { cluster in
            let (a, b) = (cluster.hosts[0], cluster.hosts[1])
            let started = ContinuousClock.now
            _ = try await Self.createInstance(on: a)
            // Made through A, served by B without a restart.
            #expect(try await Fixtures.eventually(10) { try await b.request(.GET, "/webhook/probe/k/config").status == 200 })
            let propagation = ContinuousClock.now - started
            #expect(propagation < .seconds(3), "the instance reached the second host after \(propagation)")

            // 1,000 messages, alternating between the hosts, 16 in flight; 50 of them delivered twice,
            // once to each host, as a load balancer retrying a timed-out webhook would.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for index in stride(from: lane, to: 1000, by: 16) {
                            let body = #"{"external_id":"m-\#(index)","from":"+1555\#(index % 40)","text":"hello \#(index)"}"#
                            let targets = index % 20 == 0 ? [a, b] : [index % 2 == 0 ? a : b]
                            for host in targets {
                                let answer = try await host.request(.POST, "/webhook/probe/k/inbound", body: body)
                                #expect(answer.status == 200, "\(answer.text)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let database = try cluster.database()
            func counts() throws -> (inbound: Int64, replies: Int64, distinct: Int64, sent: Int64) {
                let row = try database.connection.query(
                    """
                    SELECT (SELECT count(*) FROM messages WHERE direction = 'inbound'),
                           (SELECT count(*) FROM messages WHERE author = 'assistant'),
                           (SELECT count(DISTINCT reply_to) FROM messages WHERE author = 'assistant'),
                           (SELECT count(*) FROM messages WHERE author = 'assistant' AND status = 'sent')
                    """, []
                ).rows.first ?? []
                return (row[0].int64Value ?? -1, row[1].int64Value ?? -1, row[2].int64Value ?? -1, row[3].int64Value ?? -1)
            }
            #expect(try await Fixtures.eventually(60) { try counts().sent == 1000 }, "\((try? counts()).map { "\($0)" } ?? "")")
            let final = try counts()
            #expect(final.inbound == 1000 && final.replies == 1000 && final.distinct == 1000, "\(final)")
            // Each reply reached the plugin's on_send exactly once, whichever host sent it.
            let replies = try database.connection.query(
                "SELECT id FROM messages WHERE author = 'assistant'", []
            ).rows.compactMap { $0.first?.stringValue }
            var twice: [String] = []
            for id in replies {
                let delivered = try await (id.hashValue % 2 == 0 ? a : b).request(.GET, "/webhook/probe/k/kv/delivered/\(id)")
                if delivered.text != "1" { twice.append("\(id): \(delivered.text)") }
            }
            #expect(twice.isEmpty, "delivered other than once: \(twice.prefix(10))")
            // Nothing is left waiting.
            #expect(try database.connection.query("SELECT count(*) FROM outbox", []).rows.first?.first == .integer(0))
        }
    }

    @Test(
        "a host killed with SIGKILL while replies wait in the outbox: the other host delivers them, once each",
        .enabled(if: Fixtures.postgresURL != nil || Fixtures.isCI))
    func killedHost() async throws {
        try await Cluster.with("multi-host-kill") { cluster in
            let (a, b) = (cluster.hosts[0], cluster.hosts[1])
            _ = try await Self.createInstance(on: a)
            #expect(try await Fixtures.eventually(10) { try await b.request(.GET, "/webhook/probe/k/config").status == 200 })
            // A provider outage: every send fails, so both hosts keep claiming and retrying.
            #expect(try await a.request(.PUT, "/webhook/probe/k/kv/fail_remaining", body: "1000000").status == 204)
            for index in 1...40 {
                let body = #"{"external_id":"kill-\#(index)","from":"+1666\#(index)","text":"hello \#(index)"}"#
                #expect(try await (index % 2 == 0 ? a : b).request(.POST, "/webhook/probe/k/inbound", body: body).status == 200)
            }
            let database = try cluster.database()
            func queued() throws -> Int64 {
                try database.connection.query(
                    "SELECT count(*) FROM messages WHERE author = 'assistant' AND status = 'queued' AND error IS NOT NULL", []
                ).rows.first?.first?.int64Value ?? -1
            }
            #expect(try await Fixtures.eventually(20) { try queued() == 40 }, "\((try? queued()) ?? -1)")
            kill(a.process.processIdentifier, SIGKILL)
            for _ in 0..<100 where a.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(a.process.terminationReason == .uncaughtSignal)
            // The outage ends; B alone is left, and the rows A had claimed come back when A's lease ends.
            #expect(try await b.request(.PUT, "/webhook/probe/k/kv/fail_remaining", body: "0").status == 204)
            // Retries back off (100 ms doubling, at most 1 s apart); A's rows wait out its 2 s lease.
            let sent = try await Fixtures.eventually(60) {
                // The probe's failure counter is a read-modify-write in KV: a send that failed just
                // before the reset may write back its stale count, so the reset is repeated.
                _ = try await b.request(.PUT, "/webhook/probe/k/kv/fail_remaining", body: "0")
                return try database.connection.query(
                    "SELECT count(*) FROM messages WHERE author = 'assistant' AND status = 'sent'", []
                ).rows.first?.first == .integer(40)
            }
            let statuses = try database.connection.query(
                "SELECT status, count(*), max(error) FROM messages WHERE author = 'assistant' GROUP BY status", []
            ).rows.map { "\($0)" }
            let outbox = try database.connection.query("SELECT attempts, next_attempt_at FROM outbox LIMIT 5", []).rows
            #expect(sent, "statuses \(statuses), outbox \(outbox), now \(StorageClock.milliseconds()), B: \(b.output.suffix(2000))")
            for row in try database.connection.query("SELECT id FROM messages WHERE author = 'assistant'", []).rows {
                let id = try #require(row.first?.stringValue)
                #expect(try await b.request(.GET, "/webhook/probe/k/kv/delivered/\(id)").text == "1", "\(id)")
            }
        }
    }

    @Test(
        "a streamed web chat streams from whichever host the browser reached",
        .enabled(if: Fixtures.postgresURL != nil || Fixtures.isCI))
    func streamOnEitherHost() async throws {
        try await Cluster.with("multi-host-stream") { cluster in
            let (a, b) = (cluster.hosts[0], cluster.hosts[1])
            #expect(try await a.request(.POST, "/admin/v1/tenants", token: Self.token, body: #"{"slug":"acme"}"#).status == 201)
            let settings = #"{"allowed_origins":["https://shop.example"]}"#
            let created = try await a.request(
                .POST, "/admin/v1/instances", token: Self.token,
                body: #"{"tenant":"acme","plugin":"webchat","name":"site","settings":\#(settings)}"#)
            #expect(created.status == 201, "\(created.text)")
            _ = try await a.request(
                .PUT, "/admin/v1/tenants/acme/assistant", token: Self.token,
                body: #"{"assistant_name":"Alice","company_name":"Acme"}"#)
            let keyReply = try await a.request(
                .POST, "/admin/v1/tenants/acme/api-keys", token: Self.token, body: #"{"scope":"widget","instance":"webchat/site"}"#)
            let key = try #require(OutboxCrashTests.object(keyReply.text)["key"] as? String, "\(keyReply.text)")
            let headers = [("Origin", "https://shop.example"), ("Content-Type", "application/json")]
            #expect(try await Fixtures.eventually(10) {
                try await b.request(.GET, "/chat/none/history?key=\(key)", headers: headers).status != 404
            })
            // Ten streamed chats, alternating hosts: each stream carries its own reply, token by token.
            for index in 0..<10 {
                let host = index % 2 == 0 ? a : b
                let reply = try await host.request(
                    .POST, "/chat?key=\(key)", body: #"{"message":"Hi number \#(index)","stream":true}"#, headers: headers)
                #expect(reply.status == 200, "\(reply.text)")
                let events = WebchatSite.events(LiveHost.Reply(status: reply.status, headers: [], body: Array(reply.text.utf8)))
                let tokens = events.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }
                let done = events.last { $0.name == "done" }?.data
                #expect(!tokens.isEmpty && tokens.joined() == done?["reply"] as? String, "host \(index % 2): \(reply.text)")
                #expect((done?["reply"] as? String)?.contains("Alice") == true, "\(reply.text)")
            }
        }
    }
}
