import Foundation
import Testing

@testable import SwitchboardHost

/// The old single-tenant router's variables, parsed and mapped; no I/O but a temporary file.
@Suite("Legacy environment")
struct LegacyEnvironmentTests {
    static let all = [
        "EVOLUTION_URL": "http://evolution.local:8080", "EVOLUTION_API_KEY": "evo-key",
        "EVOLUTION_INSTANCE": "sales", "AGENT_API_URL": "http://agent.local", "AGENT_API_KEY": "agent-key",
        "DEFAULT_AGENT": "simple", "AGENT_TIMEOUT": "45",
    ]

    @Test("each variable maps onto its Evolution setting")
    func mapping() throws {
        let legacy = try #require(LegacyEnvironment(environment: Self.all))
        let settings = try legacy.settings()
        #expect(settings["evolution_url"] as? String == "http://evolution.local:8080")
        #expect(settings["evolution_key"] as? String == "evo-key")
        #expect(settings["whatsapp_instance"] as? String == "sales")
        #expect(settings["agent_api_url"] as? String == "http://agent.local")
        #expect(settings["agent_api_key"] as? String == "agent-key")
        #expect(settings["default_agent"] as? String == "simple")
        #expect(settings["agent_timeout"] as? Int == 45)
        #expect(settings.count == 7)
        let fraction = try #require(
            LegacyEnvironment(environment: ["EVOLUTION_URL": "http://e", "AGENT_TIMEOUT": "2.5"]))
        #expect(try fraction.settings()["agent_timeout"] as? Double == 2.5)
    }

    @Test("the default tenant's default Evolution instance, refreshed on every start")
    func bootstrapInstance() throws {
        let instance = try #require(LegacyEnvironment(environment: ["EVOLUTION_URL": "http://e"])).bootstrapInstance()
        #expect(instance.tenant == "default" && instance.plugin == "evolution" && instance.name == "default")
        #expect(instance.isDefault && instance.refresh)
        #expect(instance.settingsJSON == #"{"evolution_url":"http:\/\/e"}"#)
    }

    @Test("EVOLUTION_URL turns it on; the others alone do not")
    func trigger() {
        var others = Self.all
        others["EVOLUTION_URL"] = nil
        #expect(LegacyEnvironment(environment: others) == nil)
        #expect(LegacyEnvironment(environment: ["EVOLUTION_URL": ""]) == nil, "empty counts as unset")
        #expect(LegacyEnvironment(environment: [:], dotEnv: ["EVOLUTION_URL": "http://e"]) != nil)
    }

    @Test("the real environment wins over the .env file")
    func environmentWins() throws {
        let legacy = try #require(
            LegacyEnvironment(
                environment: ["EVOLUTION_URL": "http://env"],
                dotEnv: ["EVOLUTION_URL": "http://file", "AGENT_API_KEY": "from-file", "UNRELATED": "x"]))
        #expect(legacy.values == ["EVOLUTION_URL": "http://env", "AGENT_API_KEY": "from-file"])
    }

    @Test(".env: comments, export, quotes, inline comments, CRLF")
    func dotEnv() throws {
        let text = """
            # a comment
            export EVOLUTION_URL="http://e:8080"   # trailing comment
            EVOLUTION_API_KEY='single # quoted \\n $HOME'
            AGENT_API_KEY="with \\"quotes\\" and # hash"
              DEFAULT_AGENT = plain value # comment\r
            EVOLUTION_INSTANCE=a#b
            AGENT_TIMEOUT=

            """
        let values = try DotEnv.parse(text, file: ".env")
        #expect(values["EVOLUTION_URL"] == "http://e:8080")
        #expect(values["AGENT_API_KEY"] == #"with "quotes" and # hash"#)
        #expect(values["DEFAULT_AGENT"] == "plain value")
        #expect(values["EVOLUTION_INSTANCE"] == "a#b")
        #expect(values["AGENT_TIMEOUT"] == "")
        #expect(values["EVOLUTION_API_KEY"] == #"single # quoted \n $HOME"#, "single quotes are literal")
    }

    @Test("a malformed .env line names the file and line, never its text")
    func malformedDotEnv() {
        for (text, reason) in [
            ("EVOLUTION_URL=http://e\nsecret-without-name\n", "expected KEY=VALUE"),
            ("EVOLUTION_URL=http://e\nAGENT_API_KEY=\"secret-unterminated\n", "unterminated quoted value"),
            ("EVOLUTION_URL=http://e\n9X=secret\n", "expected KEY=VALUE"),
            ("EVOLUTION_URL=http://e\nAGENT_API_KEY='secret' more\n", "text after the closing quote"),
        ] {
            do {
                _ = try DotEnv.parse(text, file: "/srv/.env")
                Issue.record("accepted \(text)")
            } catch let error as HostConfiguration.Invalid {
                #expect(error.key == "/srv/.env:2" && error.reason == reason)
                #expect(!error.description.contains("secret"))
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("a bad value names the variable and does not echo it")
    func badValues() throws {
        for (variable, value) in [
            ("AGENT_TIMEOUT", "soon"), ("AGENT_TIMEOUT", "-1"), ("EVOLUTION_URL", "not a url"),
            ("AGENT_API_URL", "user:secret@agent"),
        ] {
            var environment = ["EVOLUTION_URL": "http://e"]
            environment[variable] = value
            let legacy = try #require(LegacyEnvironment(environment: environment))
            do {
                _ = try legacy.settings()
                Issue.record("accepted \(variable)=\(value)")
            } catch let error as HostConfiguration.Invalid {
                #expect(error.key == variable)
                #expect(!error.description.contains(value))
            }
        }
    }

    @Test("HostConfiguration.load adds the legacy instance from the .env beside the config file")
    func loadsBesideTheConfigFile() throws {
        let directory = try Fixtures.temporaryDirectory("legacy-load")
        try "[[instances]]\ntenant = \"a\"\nplugin = \"sms\"\nname = \"desk\"\n".write(
            toFile: directory + "/switchboard.toml", atomically: true, encoding: .utf8)
        try "EVOLUTION_URL=http://file\nEVOLUTION_API_KEY=k\n".write(
            toFile: directory + "/.env", atomically: true, encoding: .utf8)
        let configuration = try HostConfiguration.load(
            file: directory + "/switchboard.toml", environment: ["EVOLUTION_URL": "http://env"])
        #expect(configuration.instances.map(\.name) == ["desk", "default"])
        let legacy = try #require(configuration.instances.last)
        #expect(
            legacy.refresh && legacy.settingsJSON.contains("http:\\/\\/env") && legacy.settingsJSON.contains("\"k\""))
        #expect(try HostConfiguration.load(file: nil, environment: [:]).instances.isEmpty)
    }
}

/// Start-up with the legacy variables: the real binary, then an in-process host.
@Suite("Legacy start-up")
struct LegacyStartupTests {
    static let token = "legacy-admin-token"
    static let evolutionKey = "evo-5ecret-e1f2a3b4c5"
    static let agentKey = "agent-5ecret-9d8c7b6a"

    @Test("a .env beside the config file creates, then refreshes, tenant default's Evolution instance default")
    func createsThenRefreshes() async throws {
        let directory = try Fixtures.temporaryDirectory("legacy")
        let data = directory + "/data"
        try """
        [storage]
        data_dir = "\(data)"
        [plugins]
        enabled = ["evolution"]
        """.write(toFile: directory + "/switchboard.toml", atomically: true, encoding: .utf8)
        try """
        # the single-tenant router's settings
        export EVOLUTION_URL=http://127.0.0.1:1
        EVOLUTION_API_KEY="\(Self.evolutionKey)"
        EVOLUTION_INSTANCE=sales
        AGENT_API_URL=http://127.0.0.1:2
        AGENT_API_KEY='\(Self.agentKey)'
        DEFAULT_AGENT=simple
        AGENT_TIMEOUT=45
        """.write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
        let arguments = ["--config", directory + "/switchboard.toml"]
        let environment = ["SWITCHBOARD_ADMIN_TOKEN": Self.token, "SWITCHBOARD_LOGGING_LEVEL": "debug"]

        let first = try ServeProcess(arguments: arguments, environment: environment, logFile: directory + "/1.log")
        #expect(await first.waitUntilReady(), "\(first.output)")
        let created = try await Self.defaultInstance(first)
        #expect(created["evolution_url"] as? String == "http://127.0.0.1:1")
        #expect(created["evolution_key"] as? String == "********" && created["agent_api_key"] as? String == "********")
        #expect(created["whatsapp_instance"] as? String == "sales" && created["agent_timeout"] as? Int == 45)
        let webhook = try await first.request(.POST, "/webhook/evolution", body: #"{"event":"connection.update","instance":"sales","data":{"instance":"sales","state":"open","statusReason":200}}"#)
        #expect((200..<300).contains(webhook.status), "\(webhook.text)")
        let firstRun = await first.terminate()
        #expect(firstRun.status == 0, "\(firstRun.output)")

        var changed = environment
        changed["EVOLUTION_URL"] = "http://127.0.0.1:3"
        let second = try ServeProcess(arguments: arguments, environment: changed, logFile: directory + "/2.log")
        #expect(await second.waitUntilReady(), "\(second.output)")
        let refreshed = try await Self.defaultInstance(second)
        #expect(refreshed["evolution_url"] as? String == "http://127.0.0.1:3", "the real environment wins over .env")
        #expect(refreshed["id"] as? String == created["id"] as? String, "refreshed, not created again")
        #expect(refreshed["evolution_key"] as? String == "********")
        let secondRun = await second.terminate()
        #expect(secondRun.status == 0, "\(secondRun.output)")
        #expect(secondRun.output.contains("refreshed instance from configuration"), "\(secondRun.output)")

        for output in [firstRun.output, secondRun.output] {
            #expect(!output.contains(Self.evolutionKey) && !output.contains(Self.agentKey), "a secret reached the log")
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: data)
        #expect(files.contains("host.sqlite"))
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + file) else { continue }
            for secret in [Self.evolutionKey, Self.agentKey] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret in plain text")
            }
        }
    }

    /// Tenant `default` and its Evolution instance `default` through the admin API: the settings
    /// as shown, plus `id` and `is_default`.
    static func defaultInstance(_ server: ServeProcess) async throws -> [String: Any] {
        let tenant = try await server.request(.GET, "/admin/v1/tenants/default", token: token)
        #expect(tenant.status == 200, "\(tenant.text)")
        let tenantId = try #require(Self.object(tenant.text)["id"] as? String)
        let list = try await server.request(.GET, "/admin/v1/instances?tenant=default&plugin=evolution", token: token)
        let items = Self.object(list.text)["items"] as? [[String: Any]] ?? []
        let instance = try #require(items.first { $0["name"] as? String == "default" }, "\(list.text)")
        #expect(instance["tenant_id"] as? String == tenantId)
        #expect(instance["is_default"] as? Bool == true)
        var settings = instance["settings"] as? [String: Any] ?? [:]
        settings["id"] = instance["id"]
        return settings
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test("the legacy instance takes the default over, so POST /webhook/evolution reaches it")
    func legacyTakesTheDefault() async throws {
        let legacy = try #require(LegacyEnvironment(environment: ["EVOLUTION_URL": "http://127.0.0.1:4"]))
        let entry = try legacy.bootstrapInstance()
        let host = try await LiveHost.start(
            label: "legacy-default", enabled: ["evolution"],
            configure: { configuration in
                configuration.instances = [
                    .init(tenant: "acme", plugin: "evolution", name: "main", isDefault: true, settingsJSON: "{}"),
                    entry,
                ]
            })
        defer { Task { await host.stop() } }
        let database = host.runtime.database
        #expect(try database.defaultInstance(plugin: "evolution")?.name == "default")
        let created = try #require(try database.instance(plugin: "evolution", name: "default"))
        #expect(created.isDefault && created.settings.contains("127.0.0.1:4"))
        #expect(host.runtime.runningInstance(id: created.id) != nil)
        #expect(host.runtime.resolve(plugin: "evolution", instance: nil)?.instance.name == "default")
        #expect(try await host.request(.GET, "/webhook/evolution/main/health").status == 200, "main keeps serving")
        let webhook = try await host.request(
            .POST, "/webhook/evolution",
            body: Array(#"{"event":"connection.update","instance":"sales","data":{"instance":"sales","state":"open","statusReason":200}}"#.utf8))
        #expect((200..<300).contains(webhook.status))
    }
}
