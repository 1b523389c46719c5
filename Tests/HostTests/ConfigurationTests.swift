import Foundation
import Testing

@testable import SwitchboardHost

/// Configuration from the file, the environment and the legacy variables; no sockets.
@Suite("Configuration")
struct ConfigurationTests {
    @Test func parsesFileAndEnvironment() throws {
        var configuration = HostConfiguration()
        try configuration.apply(
            toml: """
                [server]
                port = 9090
                [plugins]
                enabled = ["sms"]
                threads_per_plugin = 4
                [logging]
                redact = false
                [[instances]]
                tenant = "acme"
                plugin = "sms"
                name = "desk"
                default = true
                settings = { front_desk_number = "+15550000000", nested = { a = 1 } }
                """)
        try configuration.apply(environment: ["SWITCHBOARD_ADMIN_TOKEN": "t", "SWITCHBOARD_PLUGINS": "sms, webchat"])
        #expect(configuration.port == 9090)
        #expect(configuration.enabledPlugins == ["sms", "webchat"])
        #expect(configuration.limits.threadsPerPlugin == 4)
        #expect(configuration.redactLogs == false)
        #expect(configuration.adminToken == "t")
        #expect(configuration.instances.first?.isDefault == true)
        #expect(
            configuration.instances.first?.settingsJSON == #"{"front_desk_number":"+15550000000","nested":{"a":1}}"#)
    }

    @Test func namesTheBadKey() {
        var configuration = HostConfiguration()
        #expect(throws: HostConfiguration.Invalid.self) { try configuration.apply(toml: "[server]\nport = \"x\"") }
        do {
            try configuration.apply(toml: "[plugins]\nenabeld = []")
            Issue.record("accepted a typo")
        } catch let error as HostConfiguration.Invalid {
            #expect(error.key == "plugins.enabeld")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func defaultPluginDirectoryIsTheExecutables() {
        #expect(HostConfiguration().resolvedPluginDirectories(executableDirectory: "/opt/sb/bin") == ["/opt/sb/bin"])
    }

    // MARK: - Every key, from the file and from the environment

    /// Every key set to something other than its default.
    static let everyKeyTOML = """
        [server]
        host = "0.0.0.0"
        port = 9090
        max_body_bytes = 2048
        pending_response_timeout_seconds = 7
        [storage]
        data_dir = "/srv/switchboard"
        [database]
        url = "postgres://sb:pw@db.internal:5433/switchboard?pool=4"
        claim_lease_seconds = 90
        [plugins]
        directories = ["/opt/a", "/opt/b"]
        enabled = ["sms", "webchat"]
        threads_per_plugin = 3
        drain_timeout_seconds = 4
        instance_start = "lazy"
        sql_dialect = "sqlite"
        [admin]
        token = "admin-secret"
        [logging]
        level = "debug"
        redact = false
        [conversations]
        handoff_minutes = 45
        agent_calls_per_minute = 12
        history_limit = 6
        max_send_attempts = 3
        max_agent_attempts = 2
        retry_base_ms = 250
        max_retry_delay_ms = 4000
        concurrency = 4
        """

    /// The same values as `everyKeyTOML`, by their `SWITCHBOARD_<SECTION>_<KEY>` variables.
    static let everyKeyEnvironment = [
        "SWITCHBOARD_SERVER_HOST": "0.0.0.0",
        "SWITCHBOARD_SERVER_PORT": "9090",
        "SWITCHBOARD_SERVER_MAX_BODY_BYTES": "2048",
        "SWITCHBOARD_SERVER_PENDING_RESPONSE_TIMEOUT_SECONDS": "7",
        "SWITCHBOARD_STORAGE_DATA_DIR": "/srv/switchboard",
        "SWITCHBOARD_DATABASE_URL": "postgres://sb:pw@db.internal:5433/switchboard?pool=4",
        "SWITCHBOARD_DATABASE_CLAIM_LEASE_SECONDS": "90",
        "SWITCHBOARD_PLUGINS_DIRECTORIES": "/opt/a:/opt/b",
        "SWITCHBOARD_PLUGINS_ENABLED": "sms, webchat",
        "SWITCHBOARD_PLUGINS_THREADS_PER_PLUGIN": "3",
        "SWITCHBOARD_PLUGINS_DRAIN_TIMEOUT_SECONDS": "4",
        "SWITCHBOARD_PLUGINS_INSTANCE_START": "lazy",
        "SWITCHBOARD_PLUGINS_SQL_DIALECT": "sqlite",
        "SWITCHBOARD_ADMIN_TOKEN": "admin-secret",
        "SWITCHBOARD_LOGGING_LEVEL": "debug",
        "SWITCHBOARD_LOGGING_REDACT": "false",
        "SWITCHBOARD_CONVERSATIONS_HANDOFF_MINUTES": "45",
        "SWITCHBOARD_CONVERSATIONS_AGENT_CALLS_PER_MINUTE": "12",
        "SWITCHBOARD_CONVERSATIONS_HISTORY_LIMIT": "6",
        "SWITCHBOARD_CONVERSATIONS_MAX_SEND_ATTEMPTS": "3",
        "SWITCHBOARD_CONVERSATIONS_MAX_AGENT_ATTEMPTS": "2",
        "SWITCHBOARD_CONVERSATIONS_RETRY_BASE_MS": "250",
        "SWITCHBOARD_CONVERSATIONS_MAX_RETRY_DELAY_MS": "4000",
        "SWITCHBOARD_CONVERSATIONS_CONCURRENCY": "4",
    ]

    static func expectEveryKeySet(_ configuration: HostConfiguration) {
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9090)
        #expect(configuration.limits.maxRequestBody == 2048)
        #expect(configuration.limits.pendingResponseTimeout == .seconds(7))
        #expect(configuration.dataDirectory == "/srv/switchboard")
        #expect(configuration.database == .postgres(url: "postgres://sb:pw@db.internal:5433/switchboard?pool=4"))
        #expect(configuration.database.redacted == "postgres://db.internal:5433/switchboard")
        #expect(configuration.conversations.claimLeaseMilliseconds == 90_000)
        #expect(configuration.pluginDirectories == ["/opt/a", "/opt/b"])
        #expect(configuration.enabledPlugins == ["sms", "webchat"])
        #expect(configuration.limits.threadsPerPlugin == 3)
        #expect(configuration.limits.drainTimeout == .seconds(4))
        #expect(configuration.instanceStart == .lazy)
        #expect(configuration.sqlDialect == .sqlite)
        #expect(configuration.adminToken == "admin-secret")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.redactLogs == false)
        #expect(configuration.conversations.handoffPauseMilliseconds == 45 * 60_000)
        #expect(configuration.conversations.agentCallsPerMinute == 12)
        #expect(configuration.conversations.historyLimit == 6)
        #expect(configuration.conversations.maxSendAttempts == 3)
        #expect(configuration.conversations.maxAgentAttempts == 2)
        #expect(configuration.conversations.retryBaseMilliseconds == 250)
        #expect(configuration.conversations.maxRetryDelayMilliseconds == 4000)
        #expect(configuration.conversations.concurrency == 4)
    }

    @Test func defaults() {
        let configuration = HostConfiguration()
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.database == .embedded)
        #expect(configuration.enabledPlugins == nil && configuration.pluginDirectories.isEmpty)
        #expect(configuration.instanceStart == .eager)
        #expect(configuration.sqlDialect == .portable)
        #expect(configuration.adminToken == nil && configuration.logLevel == .info && configuration.redactLogs)
    }

    @Test func everyKeyFromTheFile() throws {
        var configuration = HostConfiguration()
        try configuration.apply(toml: Self.everyKeyTOML)
        Self.expectEveryKeySet(configuration)
    }

    @Test func everyKeyFromTheEnvironment() throws {
        var configuration = HostConfiguration()
        try configuration.apply(environment: Self.everyKeyEnvironment)
        Self.expectEveryKeySet(configuration)
    }

    @Test("every key has a SWITCHBOARD_<SECTION>_<KEY> variable, and the tests above set each")
    func everyKeyHasAVariable() {
        let variables = HostConfiguration.keys.map(\.environmentVariable)
        #expect(Set(variables) == Set(Self.everyKeyEnvironment.keys))
        #expect(variables.contains("SWITCHBOARD_PLUGINS_INSTANCE_START"))
        for key in HostConfiguration.keys {
            #expect(Self.everyKeyTOML.contains("\n\(key.name) = "), "\(key.path) missing from everyKeyTOML")
        }
    }

    @Test("the four older variable names still work")
    func olderNames() throws {
        var configuration = HostConfiguration()
        try configuration.apply(environment: [
            "SWITCHBOARD_PLUGIN_DIRS": "/x:/y", "SWITCHBOARD_PLUGINS": "evolution", "SWITCHBOARD_LOG_LEVEL": "error",
            "SWITCHBOARD_ADMIN_TOKEN": "t",
        ])
        #expect(configuration.pluginDirectories == ["/x", "/y"])
        #expect(configuration.enabledPlugins == ["evolution"])
        #expect(configuration.logLevel == .error)
        #expect(configuration.adminToken == "t")
        // Both names with the same value is fine; different values are an error naming both.
        try configuration.apply(environment: ["SWITCHBOARD_PLUGINS": "sms", "SWITCHBOARD_PLUGINS_ENABLED": "sms"])
        let error = Self.invalid {
            try $0.apply(environment: ["SWITCHBOARD_LOG_LEVEL": "info", "SWITCHBOARD_LOGGING_LEVEL": "debug"])
        }
        #expect(error?.key == "SWITCHBOARD_LOGGING_LEVEL")
        #expect(error?.reason.contains("SWITCHBOARD_LOG_LEVEL") == true)
    }

    @Test func emptyVariablesCountAsUnset() throws {
        var configuration = HostConfiguration()
        try configuration.apply(environment: ["SWITCHBOARD_SERVER_PORT": "", "SWITCHBOARD_ADMIN_TOKEN": ""])
        #expect(configuration.port == 8080 && configuration.adminToken == nil)
    }

    @Test("defaults < file < environment")
    func precedence() throws {
        let directory = try Fixtures.temporaryDirectory("precedence")
        let file = directory + "/switchboard.toml"
        try "[server]\nport = 9001\nhost = \"0.0.0.0\"\n[logging]\nlevel = \"warning\"\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let configuration = try HostConfiguration.load(
            file: file, environment: ["SWITCHBOARD_SERVER_PORT": "9002", "SWITCHBOARD_LOGGING_REDACT": "off"])
        #expect(configuration.port == 9002, "the environment wins over the file")
        #expect(configuration.host == "0.0.0.0", "the file wins over the default")
        #expect(configuration.logLevel == .warning)
        #expect(configuration.redactLogs == false)
        #expect(configuration.dataDirectory == "./data", "the default stays when nothing sets it")
    }

    @Test(
        "a bad environment value names the variable and the reason",
        arguments: [
            ("SWITCHBOARD_SERVER_PORT", "http", "must be an integer in 1...65535"),
            ("SWITCHBOARD_SERVER_PORT", "70000", "must be an integer in 1...65535"),
            ("SWITCHBOARD_SERVER_MAX_BODY_BYTES", "0", "must be an integer"),
            ("SWITCHBOARD_SERVER_PENDING_RESPONSE_TIMEOUT_SECONDS", "1.5", "must be an integer"),
            ("SWITCHBOARD_PLUGINS_THREADS_PER_PLUGIN", "-1", "must be an integer in 1...256"),
            ("SWITCHBOARD_PLUGINS_DRAIN_TIMEOUT_SECONDS", "soon", "must be an integer in 0...3600"),
            ("SWITCHBOARD_PLUGINS_INSTANCE_START", "later", "one of: eager, lazy"),
            ("SWITCHBOARD_LOGGING_LEVEL", "loud", "unknown value \"loud\""),
            ("SWITCHBOARD_LOG_LEVEL", "loud", "unknown value \"loud\""),
            ("SWITCHBOARD_LOGGING_REDACT", "maybe", "must be true or false"),
        ])
    func badEnvironmentValue(variable: String, value: String, reason: String) {
        let error = Self.invalid { try $0.apply(environment: [variable: value]) }
        #expect(error?.key == variable)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("configuration: \(variable): ") == true)
    }

    @Test func badFileValueNamesTheKey() {
        #expect(
            Self.invalid { try $0.apply(toml: "[plugins]\ninstance_start = \"soon\"") }?.key == "plugins.instance_start"
        )
        #expect(Self.invalid { try $0.apply(toml: "[logging]\nredact = \"no\"") }?.key == "logging.redact")
        #expect(
            Self.invalid {
                try $0.apply(toml: "[[instances]]\ntenant = \"a\"\nplugin = \"b\"\nname = \"c\"\ndefault = 1")
            }?.key == "instances[0].default")
    }

    // MARK: - What `config check` prints

    @Test("the effective configuration masks the admin token and secret-looking settings, and reads back")
    func effectiveTOML() throws {
        var configuration = HostConfiguration()
        try configuration.apply(toml: Self.everyKeyTOML)
        try configuration.apply(
            toml: """
                [[instances]]
                tenant = "acme"
                plugin = "evolution"
                name = "wa"
                settings = { evolution_url = "http://e", evolution_key = "k1", api_token = "k2", jwt_secret = "k3", smtp_password = "k4", nested = { x_key = "k5", n = 2, on = true } }
                """)
        configuration.dataDirectory = "/srv/\"odd\\dir\u{7F}\t\n"
        let text = configuration.effectiveTOML()
        for secret in ["admin-secret", "k1", "k2", "k3", "k4", "k5"] {
            #expect(!text.contains("\"\(secret)\""), "\(secret) shown in:\n\(text)")
        }
        #expect(text.contains("token = \"********\""))
        #expect(text.contains(#"url = "postgres://sb:********@db.internal:5433/switchboard?pool=4""#), "\(text)")
        #expect(text.contains("evolution_url = \"http://e\"") && text.contains("n = 2") && text.contains("on = true"))
        var again = HostConfiguration()
        try again.apply(toml: text)
        #expect(again.port == 9090 && again.instanceStart == .lazy && again.enabledPlugins == ["sms", "webchat"])
        #expect(again.instances.first?.name == "wa")
        #expect(again.dataDirectory == configuration.dataDirectory, "quotes, backslashes and control characters escaped")
        #expect(HostConfiguration().effectiveTOML().contains("# token: not set"))
    }

    @Test func secretSettingNames() {
        for name in ["evolution_key", "agent_api_key", "api_token", "webhook_jwt_secret", "password", "SMTP_PASSWORD"] {
            #expect(HostConfiguration.isSecretSetting(name), "\(name)")
        }
        for name in ["evolution_url", "keyboard", "token_count", "default_agent"] {
            #expect(!HostConfiguration.isSecretSetting(name), "\(name)")
        }
    }

    // MARK: - Documentation and the shipped file

    @Test("docs/configuration.md names every key, its variable and its older name")
    func documented() throws {
        let docs = try String(contentsOfFile: Fixtures.repoRoot + "/docs/configuration.md", encoding: .utf8)
        for key in HostConfiguration.keys {
            #expect(docs.contains("`\(key.name)`"), "\(key.path)")
            for variable in [key.environmentVariable] + key.aliases {
                #expect(docs.contains("`\(variable)`"), "\(variable)")
            }
        }
        for variable in ["SWITCHBOARD_MASTER_KEY"] + LegacyEnvironment.mapping.map(\.variable) {
            #expect(docs.contains("`\(variable)`"), "\(variable)")
        }
    }

    @Test func shippedConfigFileLoads() throws {
        let configuration = try HostConfiguration.load(
            file: Fixtures.repoRoot + "/config/switchboard.toml", environment: [:])
        #expect(configuration.port == 8080 && configuration.instanceStart == .eager)
    }

    /// The `Invalid` a configuration change throws, or nil (recorded as an issue).
    static func invalid(_ change: (inout HostConfiguration) throws -> Void) -> HostConfiguration.Invalid? {
        var configuration = HostConfiguration()
        do {
            try change(&configuration)
            Issue.record("accepted")
        } catch let error as HostConfiguration.Invalid {
            return error
        } catch {
            Issue.record("\(error)")
        }
        return nil
    }
}

/// `switchboard config check`, the built binary, with a clean environment.
@Suite("switchboard config check")
struct ConfigCheckCommandTests {
    static let masterKey = Data(repeating: 7, count: 32).base64EncodedString()

    /// Run `switchboard config check` with only `environment` set.
    static func check(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try await Fixtures.run(
            "/usr/bin/env", ["-i"] + assignments + [Fixtures.binDir + "/switchboard", "config", "check"] + arguments)
    }

    @Test("prints the effective configuration with every secret masked, flags over environment over file")
    func masked() async throws {
        let directory = try Fixtures.temporaryDirectory("config-check")
        try """
        [server]
        port = 9001
        [storage]
        data_dir = "/from/file"
        [[instances]]
        tenant = "acme"
        plugin = "sms"
        name = "desk"
        settings = { front_desk_number = "+15550000000", provider_api_key = "file-secret-1", db_password = "file-secret-2" }
        """.write(toFile: directory + "/switchboard.toml", atomically: true, encoding: .utf8)
        try """
        # the old router's settings
        export EVOLUTION_URL="http://evolution.local:8080"
        EVOLUTION_API_KEY='dotenv-secret-3'
        AGENT_API_KEY=dotenv-secret-4  # inline comment
        AGENT_TIMEOUT=45
        """.write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
        let (status, output) = try await Self.check(
            ["--config", directory + "/switchboard.toml", "--data-dir", "/from/flag"],
            environment: [
                "SWITCHBOARD_ADMIN_TOKEN": "env-secret-5", "SWITCHBOARD_MASTER_KEY": Self.masterKey,
                "SWITCHBOARD_SERVER_PORT": "9002", "SWITCHBOARD_STORAGE_DATA_DIR": "/from/environment",
            ])
        #expect(status == 0, "\(output)")
        for secret in ["file-secret-1", "file-secret-2", "dotenv-secret-3", "dotenv-secret-4", "env-secret-5"] {
            #expect(!output.contains(secret), "\(secret) shown")
        }
        #expect(!output.contains(Self.masterKey))
        #expect(output.contains("port = 9002"), "the environment wins over the file")
        #expect(output.contains("data_dir = \"/from/flag\""), "the flag wins over the environment")
        #expect(output.contains("token = \"********\""))
        #expect(output.contains("SWITCHBOARD_MASTER_KEY = \"********\""))
        #expect(output.contains("provider_api_key = \"********\"") && output.contains("db_password = \"********\""))
        #expect(output.contains("front_desk_number = \"+15550000000\""))
        #expect(output.contains("evolution_key = \"********\"") && output.contains("agent_api_key = \"********\""))
        #expect(
            output.contains("evolution_url = \"http://evolution.local:8080\"") && output.contains("agent_timeout = 45"))
    }

    @Test("a bad value exits 1 naming the variable; a bad master key too")
    func badValue() async throws {
        let (status, output) = try await Self.check(
            [], environment: ["SWITCHBOARD_PLUGINS_INSTANCE_START": "sometimes"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("SWITCHBOARD_PLUGINS_INSTANCE_START") && output.contains("eager, lazy"), "\(output)")
        #expect(!output.contains("[server]"), "nothing printed on failure")
        let (keyStatus, keyOutput) = try await Self.check(
            ["--data-dir", "/nonexistent"], environment: ["SWITCHBOARD_MASTER_KEY": "short"])
        #expect(keyStatus == 1 && keyOutput.contains("SWITCHBOARD_MASTER_KEY must be 32 bytes"), "\(keyOutput)")
    }
}
