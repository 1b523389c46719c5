import Logging

extension HostConfiguration {
    /// One key of the file (`[section] name`): its environment variables, how a value applies and
    /// how the effective value prints. The file, the environment and `switchboard config check`
    /// all read this one table, so a key cannot exist in one and be missing in another.
    struct Key: Sendable {
        var section: String
        var name: String
        /// Older environment variable names, still read (documented aliases).
        var aliases: [String] = []
        /// How the environment variable separates the items of a list.
        var separator: Character = ","
        /// Shown masked by `switchboard config check`.
        var isSecret = false
        var apply: @Sendable (inout HostConfiguration, ConfigValue) throws -> Void
        /// The effective value as a TOML literal; nil when unset.
        var render: @Sendable (HostConfiguration) -> String?

        /// `server.port`: what file errors name.
        var path: String { "\(section).\(name)" }
        /// `SWITCHBOARD_SERVER_PORT`: `SWITCHBOARD_<SECTION>_<KEY>`, uppercased.
        var environmentVariable: String { "SWITCHBOARD_\(section.uppercased())_\(name.uppercased())" }
    }

    /// Every key of the file but the `[[instances]]` tables, in the order they are documented.
    static let keys: [Key] = [
        Key(section: "server", name: "host", apply: { $0.host = try $1.string() }, render: { .toml($0.host) }),
        Key(
            section: "server", name: "port", apply: { $0.port = try $1.int(1...65535) },
            render: { "\($0.port)" }),
        Key(
            section: "server", name: "max_body_bytes", apply: { $0.limits.maxRequestBody = try $1.int(1...(1 << 30)) },
            render: { "\($0.limits.maxRequestBody)" }),
        Key(
            section: "server", name: "pending_response_timeout_seconds",
            apply: { $0.limits.pendingResponseTimeout = .seconds(try $1.int(1...3600)) },
            render: { "\($0.limits.pendingResponseTimeout.components.seconds)" }),
        Key(
            section: "storage", name: "data_dir", apply: { $0.dataDirectory = try $1.string() },
            render: { .toml($0.dataDirectory) }),
        Key(
            section: "database", name: "url",
            apply: { $0.database = try DatabaseLocation(url: try $1.string()) },
            render: { $0.database.maskedURL.map(String.toml) }),
        Key(
            section: "database", name: "claim_lease_seconds",
            apply: { $0.conversations.claimLeaseMilliseconds = Int64(try $1.int(1...3600)) * 1000 },
            render: { "\($0.conversations.claimLeaseMilliseconds / 1000)" }),
        Key(
            section: "plugins", name: "directories", aliases: ["SWITCHBOARD_PLUGIN_DIRS"], separator: ":",
            apply: { $0.pluginDirectories = try $1.strings() }, render: { .tomlArray($0.pluginDirectories) }),
        Key(
            section: "plugins", name: "enabled", aliases: ["SWITCHBOARD_PLUGINS"],
            apply: { $0.enabledPlugins = try $1.strings() }, render: { $0.enabledPlugins.map(String.tomlArray) }),
        Key(
            section: "plugins", name: "threads_per_plugin", apply: { $0.limits.threadsPerPlugin = try $1.int(1...256) },
            render: { "\($0.limits.threadsPerPlugin)" }),
        Key(
            section: "plugins", name: "drain_timeout_seconds",
            apply: { $0.limits.drainTimeout = .seconds(try $1.int(0...3600)) },
            render: { "\($0.limits.drainTimeout.components.seconds)" }),
        Key(
            section: "plugins", name: "instance_start", apply: { $0.instanceStart = try $1.choice() },
            render: { .toml($0.instanceStart.rawValue) }),
        Key(
            section: "plugins", name: "sql_dialect", apply: { $0.sqlDialect = try $1.choice() },
            render: { .toml($0.sqlDialect.rawValue) }),
        Key(
            section: "admin", name: "token", isSecret: true, apply: { $0.adminToken = try $1.string() },
            render: { $0.adminToken.map(String.toml) }),
        Key(
            section: "logging", name: "level", aliases: ["SWITCHBOARD_LOG_LEVEL"],
            apply: { $0.logLevel = try $1.choice() }, render: { .toml($0.logLevel.rawValue) }),
        Key(
            section: "logging", name: "redact", apply: { $0.redactLogs = try $1.bool() }, render: { "\($0.redactLogs)" }
        ),
        Key(
            section: "conversations", name: "handoff_minutes",
            apply: { $0.conversations.handoffPauseMilliseconds = Int64(try $1.int(0...10_080)) * 60_000 },
            render: { "\($0.conversations.handoffPauseMilliseconds / 60_000)" }),
        Key(
            section: "conversations", name: "agent_calls_per_minute",
            apply: { $0.conversations.agentCallsPerMinute = try $1.int(0...1_000_000) },
            render: { "\($0.conversations.agentCallsPerMinute)" }),
        Key(
            section: "conversations", name: "history_limit",
            apply: { $0.conversations.historyLimit = try $1.int(0...200) },
            render: { "\($0.conversations.historyLimit)" }),
        Key(
            section: "conversations", name: "max_send_attempts",
            apply: { $0.conversations.maxSendAttempts = try $1.int(1...100) },
            render: { "\($0.conversations.maxSendAttempts)" }),
        Key(
            section: "conversations", name: "max_agent_attempts",
            apply: { $0.conversations.maxAgentAttempts = try $1.int(1...100) },
            render: { "\($0.conversations.maxAgentAttempts)" }),
        Key(
            section: "conversations", name: "retry_base_ms",
            apply: { $0.conversations.retryBaseMilliseconds = Int64(try $1.int(10...600_000)) },
            render: { "\($0.conversations.retryBaseMilliseconds)" }),
        Key(
            section: "conversations", name: "max_retry_delay_ms",
            apply: { $0.conversations.maxRetryDelayMilliseconds = Int64(try $1.int(10...86_400_000)) },
            render: { "\($0.conversations.maxRetryDelayMilliseconds)" }),
        Key(
            section: "conversations", name: "concurrency",
            apply: { $0.conversations.concurrency = try $1.int(1...1024) },
            render: { "\($0.conversations.concurrency)" }),
    ]

    /// The sections of the file, in order, with their keys.
    static var sections: [(name: String, keys: [Key])] {
        var names: [String] = []
        for key in keys where !names.contains(key.section) { names.append(key.section) }
        return names.map { name in (name, keys.filter { $0.section == name }) }
    }
}

extension String {
    /// A TOML basic string literal: escaped as a JSON string is (TOML's escapes are JSON's).
    static func toml(_ text: String) -> String { JSONText.quote(text) }

    /// A TOML array of strings.
    static func tomlArray(_ items: [String]) -> String {
        "[" + items.map(toml).joined(separator: ", ") + "]"
    }
}
