import Foundation
import Logging
import SwitchboardStorage

/// Everything `switchboard serve` is configured with: a value built from defaults, the config
/// file and the environment, then passed in. Nothing reads configuration globally.
public struct HostConfiguration: Sendable {
    /// An instance the configuration asks for; created on start when missing.
    public struct BootstrapInstance: Sendable, Hashable {
        public var tenant: String
        public var plugin: String
        public var name: String
        public var isDefault: Bool
        /// The settings as a JSON object text.
        public var settingsJSON: String
        /// Also update an existing instance: its settings and secrets take these values (settings
        /// not named here keep theirs) and it becomes the default when `isDefault` and no other
        /// instance of the plugin is. The legacy environment's instance is refreshed on every start.
        public var refresh = false
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    /// Where the registry, conversations and plugin storage live (`[database] url`): the
    /// embedded SQLite files under ``dataDirectory`` by default, or a PostgreSQL server.
    public var database = DatabaseLocation.embedded
    /// Plugin directories; empty means the directory of the executable.
    public var pluginDirectories: [String] = []
    /// Plugins this deployment loads (by name); nil loads every plugin found.
    public var enabledPlugins: [String]?
    public var adminToken: String?
    public var logLevel: Logger.Level = .info
    /// Redact message bodies and phone numbers in logs (secrets are always redacted).
    public var redactLogs = true
    public var limits = RuntimeLimits()
    /// When instances start; read by the runtime.
    public var instanceStart: InstanceStartPolicy = .eager
    /// The SQL plugins may run: the portable subset (default) or anything SQLite allows.
    public var sqlDialect: PluginSQLDialect.Mode = .portable
    public var instances: [BootstrapInstance] = []
    /// The conversation core: handoff pause, agent budget, retries (`[conversations]`).
    public var conversations = ConversationSettings()

    public init() {}

    /// A configuration error, naming the key.
    public struct Invalid: Error, CustomStringConvertible {
        public var key: String
        public var reason: String
        public var description: String { "configuration: \(key): \(reason)" }
    }

    /// Defaults, then the TOML file (when given), then the `SWITCHBOARD_*` environment; then the
    /// legacy single-tenant variables (``LegacyEnvironment``, from the environment or a `.env`
    /// file beside the config file) add a refreshed `default` Evolution instance. Command-line
    /// flags are the caller's to apply last.
    public static func load(file: String?, environment: [String: String]) throws -> HostConfiguration {
        var configuration = HostConfiguration()
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw Invalid(key: "--config", reason: "cannot read \(file)")
            }
            try configuration.apply(toml: text)
        }
        try configuration.apply(environment: environment)
        if let legacy = try LegacyEnvironment.load(environment: environment, besideConfigFile: file) {
            configuration.instances.append(try legacy.bootstrapInstance())
        }
        return configuration
    }

    /// The plugin directories to use, falling back to the executable's directory.
    public func resolvedPluginDirectories(executableDirectory: String) -> [String] {
        pluginDirectories.isEmpty ? [executableDirectory] : pluginDirectories
    }
}
