import Foundation
import Testing

@testable import SwitchboardHost

/// The `switchboard` registry commands, run as the built binary: they work with no server, and
/// a running server applies what they write without a restart.
@Suite("CLI")
struct CLITests {
    static let binary = Fixtures.binDir + "/switchboard"

    /// Run the CLI against a data directory; JSON output parsed when asked for.
    static func cli(_ data: String, _ arguments: String...) async throws -> (status: Int32, output: String) {
        try await Fixtures.run(binary, arguments + ["--data-dir", data])
    }

    static func json(_ output: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
    }

    @Test("tenants, instances and keys made with the CLI take effect in the running server")
    func liveServer() async throws {
        let host = try await LiveHost.start(label: "cli")
        defer { Task { await host.stop() } }
        let data = host.dataDirectory

        let tenant = try await Self.cli(data, "tenants", "create", "umbrella", "--name", "Umbrella Co", "--json")
        #expect(tenant.status == 0, "\(tenant.output)")
        #expect(Self.json(tenant.output)["slug"] as? String == "umbrella")

        let created = try await Self.cli(
            data, "instances", "create", "--tenant", "umbrella", "--plugin", "evolution", "--name", "umbrella-wa",
            "--set", "evolution_key=very-secret-key", "--set", "agent_timeout=15", "--json")
        #expect(created.status == 0, "\(created.output)")
        let settings = Self.json(created.output)["settings"] as? [String: Any] ?? [:]
        #expect(settings["evolution_key"] as? String == "********")
        #expect(settings["agent_timeout"] as? Int == 15)
        #expect(!created.output.contains("very-secret-key"))
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/evolution/umbrella-wa/health").status == 200 })
        let running = try await host.admin(.GET, "/instances/\(Self.json(created.output)["id"] as? String ?? "")")
        #expect(running.json["running"] as? Bool == true)

        let bad = try await Self.cli(
            data, "instances", "create", "--tenant", "umbrella", "--plugin", "evolution", "--name", "other",
            "--set", "agent_timeout=soon")
        #expect(bad.status == 1)
        #expect(bad.output.contains("settings.agent_timeout"), "\(bad.output)")
        #expect(try await host.admin(.GET, "/instances?tenant=umbrella").json["items"].map { ($0 as? [Any])?.count } == 1)

        // The running server's cached assistant follows a CLI change.
        let umbrella = try #require(try host.runtime.database.tenant(slug: "umbrella"))
        #expect(try host.server.conversations.assistants.assistant(tenantId: umbrella.id).profile.assistantName == "Assistant")
        let renamed = try await Self.cli(data, "assistant", "update", "umbrella", "--name", "Zed", "--company", "Umbrella Co")
        #expect(renamed.status == 0, "\(renamed.output)")
        #expect(
            try await Fixtures.eventually(5) {
                try host.server.conversations.assistants.assistant(tenantId: umbrella.id).profile.assistantName == "Zed"
            })
        let badZone = try await Self.cli(data, "assistant", "update", "umbrella", "--timezone", "Mars/Base")
        #expect(badZone.status == 1 && badZone.output.contains("(timezone)"), "\(badZone.output)")

        let key = try await Self.cli(data, "apikeys", "create", "umbrella", "--scope", "tenant", "--json")
        let secret = try #require(Self.json(key.output)["key"] as? String)
        #expect(try await host.request(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", secret)]).status == 200)
        let listed = try await Self.cli(data, "apikeys", "list", "umbrella")
        #expect(!listed.output.contains(secret), "lists never show keys")
        let keyId = try #require(Self.json(key.output)["id"] as? String)
        #expect(try await Self.cli(data, "apikeys", "revoke", "umbrella", keyId).status == 0)
        #expect(try await host.request(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", secret)]).status == 401)

        #expect(try await Self.cli(data, "instances", "update", "evolution/umbrella-wa", "--disable").status == 0)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/evolution/umbrella-wa/health").status == 404 })
        #expect(try await Self.cli(data, "instances", "update", "evolution/umbrella-wa", "--enable").status == 0)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/evolution/umbrella-wa/health").status == 200 })

        #expect(try await Self.cli(data, "tenants", "update", "umbrella", "--status", "suspended").status == 0)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/evolution/umbrella-wa/health").status == 403 })

        let refused = try await Self.cli(data, "tenants", "delete", "umbrella")
        #expect(refused.status != 0, "delete wants --yes")
        #expect(try await Self.cli(data, "tenants", "delete", "umbrella", "--yes").status == 0)
        #expect(try await Fixtures.eventually(5) { try await host.request(.GET, "/webhook/evolution/umbrella-wa/health").status == 404 })
        let missing = try await Self.cli(data, "tenants", "show", "umbrella")
        #expect(missing.status == 2)
        #expect(missing.output.contains("no tenant umbrella"))
    }

    @Test("seed --demo makes three tenants with every plugin and distinct assistants, once")
    func seedDemo() async throws {
        let data = try Fixtures.temporaryDirectory("seed")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await Self.cli(data, "seed", "--demo", "--json")
        #expect(first.status == 0, "\(first.output)")
        let tenants = Self.json(first.output)["tenants"] as? [[String: Any]] ?? []
        #expect(tenants.count == 3)
        #expect(Set(tenants.compactMap { $0["assistant"] as? String }).count == 3)
        #expect(tenants.allSatisfy { ($0["widget_key"] as? String)?.hasPrefix("sb_widget_") == true })

        let again = try await Self.cli(data, "seed", "--demo", "--json")
        #expect(again.status == 0)
        let instances = Self.json(try await Self.cli(data, "instances", "list", "--json").output)["items"] as? [[String: Any]]
        #expect(instances?.count == 9, "three plugins for three tenants, not duplicated")
        #expect(Set(instances?.compactMap { $0["plugin"] as? String } ?? []) == ["evolution", "sms", "webchat"])
        let shown = Self.json(try await Self.cli(data, "tenants", "show", "globex", "--json").output)
        #expect((shown["assistant"] as? [String: Any])?["assistant_name"] as? String == "Bruno")

        let draft = Self.json(try await Self.cli(data, "assistant", "prompts", "add", "globex", "--content", "Be brief.", "--json").output)
        let draftId = try #require(draft["id"] as? String)
        #expect(try await Self.cli(data, "assistant", "prompts", "publish", "globex", draftId).status == 0)
        #expect(try await Self.cli(data, "assistant", "knowledge", "add", "globex", "--title", "Hours", "--text", "9-5").status == 0)
        let assistant = Self.json(try await Self.cli(data, "assistant", "show", "globex", "--json").output)
        #expect(assistant["assistant_name"] as? String == "Bruno")
        #expect((assistant["prompt"] as? [String: Any])?["content"] as? String == "Be brief.")
        #expect(assistant["knowledge_items"] as? Int == 1)

        let plugins = try await Fixtures.run(
            Self.binary, ["plugins", "list", "--server", "http://127.0.0.1:1", "--token", "none"])
        #expect(plugins.0 == 0)
        #expect(["evolution", "sms", "webchat"].allSatisfy { plugins.1.contains("\($0)  found") }, "\(plugins.1)")

        let migrate = try await Self.cli(data, "migrate")
        #expect(migrate.output.contains("up to date"), "\(migrate.output)")
    }
}
