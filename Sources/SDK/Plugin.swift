import PluginAPI

/// A channel plugin: one object per loaded library, created by the host's `on_init`.
///
/// Implement it with a `final class`, declare the plugin with `descriptor`,
/// and export it with one line (see `exportPlugin`):
///
///     @_cdecl("switchboard_plugin_entry")
///     public func entry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
///         exportPlugin(EchoPlugin.self, major, minor, err)
///     }
///
/// THREADS: `init(host:)` and `shutdown()` run once with no other hook running.
/// `startInstance` may run on any host worker thread, concurrently with other
/// instances' hooks: keep shared state thread-safe (hence `Sendable`).
public protocol ChannelPlugin: AnyObject, Sendable {
    /// Name, version, settings schema, routes and migrations. Read once, when the library is loaded.
    static var descriptor: PluginDescription { get }

    /// Called once after loading (`on_init`). Throw to refuse to load; the message reaches the operator.
    init(host: PluginHost) throws

    /// Start one instance for a (tenant, channel instance). Throw to refuse its configuration.
    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance

    /// Called once when the host retires the plugin; every instance is already stopped. Default: nothing.
    func shutdown()
}

extension ChannelPlugin {
    public func shutdown() {}
}

/// One running instance of a channel for one tenant.
///
/// THREADS: every method may be called from any host worker thread, possibly
/// concurrently for the same instance. No method runs after `stop()` returns.
public protocol ChannelInstance: AnyObject, Sendable {
    /// The operator changed the configuration. Default: throws `.unsupported`,
    /// which makes the host stop this instance and start a new one with the new configuration.
    func configurationChanged(_ config: InstanceConfig) throws

    /// An HTTP request on one of the descriptor's routes (`request.route`).
    /// Answer through `response` and return `.answered`, or keep `response`
    /// (it is `Sendable`) to answer later and return `.pending`. A thrown error
    /// makes the host answer 500 with its message unless a response was started.
    /// Default: answers 404.
    func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition

    /// Send one outbound message on the channel.
    func send(_ message: OutboundMessage) throws -> SendResult

    /// A timer started with `context.timers.start` fired. Default: nothing.
    func timerFired(_ timer: TimerHandle, userData: UInt64)

    /// Progress of a reply the plugin asked to have streamed (`InboundMessage.stream`, ABI 1.3):
    /// deltas in order, or an agent failure. The finished reply still comes through `send`.
    /// Default: nothing.
    func replyEvent(_ event: ReplyEvent)

    /// The instance stops: release what it holds. Default: nothing.
    func stop()
}

extension ChannelInstance {
    public func configurationChanged(_ config: InstanceConfig) throws {
        throw PluginError(.unsupported, "configuration changes need a restart")
    }

    public func handle(_ request: HTTPRequest, _ response: HTTPResponder) throws -> ResponseDisposition {
        try response.send(status: 404, json: ["error": "not found"])
        return .answered
    }

    public func timerFired(_ timer: TimerHandle, userData: UInt64) {}

    public func replyEvent(_ event: ReplyEvent) {}

    public func stop() {}
}

/// What `ChannelInstance.handle` did with the response.
public enum ResponseDisposition: Sendable {
    /// The response was sent, or a stream was opened.
    case answered
    /// The plugin will answer later through the `HTTPResponder` it kept.
    case pending
}

// MARK: - Descriptor

/// The static description of a plugin, turned into the C descriptor once per load.
public struct PluginDescription: Sendable {
    /// `[a-z][a-z0-9_-]{0,31}`: used in URLs and storage paths.
    public var name: String
    /// The plugin's own version, e.g. "1.2.0".
    public var version: String
    /// A JSON Schema (object) of the settings the plugin accepts.
    public var settingsSchema: String
    /// The HTTP routes the plugin serves, in order (`HTTPRequest.routeIndex` indexes this array).
    public var routes: [Route]
    /// Forward-only SQL migrations, applied in order, each once per (tenant, plugin) database.
    public var migrations: [Migration]

    public init(
        name: String,
        version: String,
        settingsSchema: String = #"{"type":"object"}"#,
        routes: [Route] = [],
        migrations: [Migration] = []
    ) {
        self.name = name
        self.version = version
        self.settingsSchema = settingsSchema
        self.routes = routes
        self.migrations = migrations
    }
}

/// One HTTP route. Paths are '/'-separated: literal segments, `{name}` matching
/// one segment, and a final `*` matching the rest.
public struct Route: Sendable, Hashable {
    /// Where the host serves a route.
    public enum Mount: Sendable, Hashable {
        /// Under `/webhook/{plugin}/{instance}{path}`.
        case instance
        /// At the absolute `path`, answered by the plugin's default instance.
        case alias
        /// Under `/v1/plugins/{plugin}/{instance}{path}`, the tenant API (ABI 1.2): the host lets a
        /// request through only with a tenant API key of the instance's tenant (or the admin
        /// token naming that tenant). For the tenant's own software and staff tools.
        case tenantAPI

        var abiValue: Int32 {
            switch self {
            case .instance: SB_MOUNT_INSTANCE
            case .alias: SB_MOUNT_ALIAS
            case .tenantAPI: SB_MOUNT_TENANT
            }
        }
    }

    /// "GET", "POST", ... or "*".
    public var method: String
    public var path: String
    public var mount: Mount

    public init(_ method: String, _ path: String, mount: Mount = .instance) {
        self.method = method
        self.path = path
        self.mount = mount
    }
}

/// One forward-only SQL migration, recorded by name.
public struct Migration: Sendable, Hashable {
    public var name: String
    /// One or more statements.
    public var sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

// MARK: - Plugin-level host services

/// Log levels of `sb_host_api_t.log`.
public enum LogLevel: Int32, Sendable {
    case trace = 0, debug, info, warning, error
}

/// The host as seen from `init(host:)` and `shutdown()`: plugin-level logging.
/// Valid until `shutdown()` returns.
public struct PluginHost: Sendable {
    let table: HostTable

    /// The host's ABI version.
    public var abiVersion: (major: UInt16, minor: UInt16) {
        (table.raw.pointee.abi_major, table.raw.pointee.abi_minor)
    }

    /// Log a line without instance context.
    public func log(_ level: LogLevel, _ message: String) {
        table.log(0, level, message)  // 0 = SB_NO_INSTANCE
    }
}
