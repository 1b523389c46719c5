import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchboardPostgres
import SwitchboardStorage
import Synchronization

/// The assembled host: storage, plugin runtime and HTTP server, built from a configuration value.
public final class HostServer: Sendable {
    public let configuration: HostConfiguration
    public let runtime: PluginRuntime
    public let apiKeys: APIKeys
    public let admin: AdminService
    public let conversations: ConversationEngine
    public let logger: Logger
    let watcher: RegistryWatcher
    /// The registry change `LISTEN` on PostgreSQL (nil on SQLite).
    private let listener: PostgresListener?
    let httpClient: HTTPClient
    let ready = ReadyFlag()
    /// The service group while ``run(onServerRunning:)`` serves, for ``stop()``.
    private let running = Locked<ServiceGroup?>(nil)

    /// Open storage and build the runtime. Nothing is loaded or listening yet.
    public init(configuration: HostConfiguration, executableDirectory: String, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let database = try configuration.openDatabase(logger: logger, serving: true)
        let storage = try configuration.openPluginStorage(beside: database, logger: logger)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        apiKeys = APIKeys(database: database)
        runtime = PluginRuntime(
            configuration: PluginRuntimeConfiguration(
                directories: configuration.resolvedPluginDirectories(executableDirectory: executableDirectory),
                enabled: configuration.enabledPlugins, limits: configuration.limits,
                lazyStart: configuration.instanceStart == .lazy, conversations: configuration.conversations,
                sqlDialect: configuration.sqlDialect),
            database: database, storage: storage, httpClient: httpClient, metrics: HostMetrics(),
            eventLoops: MultiThreadedEventLoopGroup.singleton,
            secretBox: try SecretBox.load(
                environment: ProcessInfo.processInfo.environment, dataDirectory: configuration.dataDirectory),
            logger: logger)
        let assistants = AssistantDirectory(database: database, secrets: runtime.secrets, logger: logger)
        admin = AdminService(
            database: database, catalog: runtime, secrets: runtime.secrets, apiKeys: apiKeys, storage: storage,
            runtime: runtime, assistants: assistants)
        conversations = ConversationEngine(
            store: runtime.environment.conversations, runtime: runtime, assistants: assistants,
            settings: configuration.conversations, logger: logger,
            makeBackend: { [httpClient] in SwitchboardHost.makeBackend($0, httpClient: httpClient) })
        watcher = try RegistryWatcher(
            database: database, runtime: runtime, storage: storage, assistants: conversations.assistants, logger: logger)
        // On PostgreSQL another host's registry change arrives as a NOTIFY: apply it at once.
        listener = try (database.connection as? PostgresSQLDatabase).map { [watcher] postgres in
            try postgres.listen(channel: database.changeChannel) { watcher.wakeup.signal() }
        }
    }

    /// Load plugins, create the config file's instances, start instances.
    public func start() async throws {
        await runtime.bootstrap()
        try await ensureBootstrapInstances()
        ready.set()
    }

    /// The Hummingbird application serving host and plugin routes.
    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let responder = HostResponder(
            runtime: runtime, hostRoutes: hostRouter().buildResponder(), limits: configuration.limits,
            tenantAuth: TenantAuthenticator(service: admin, adminToken: configuration.adminToken))
        return Application(
            responder: responder,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "switchboard"),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// The host's own routes: health, readiness, metrics, the admin API and the tenant API.
    /// Every error they send, the router's own 404 included, is a problem document.
    func hostRouter() -> Router<HostRequestContext> {
        let router = Router(context: HostRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.get("healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("readyz") { [ready, runtime] _, _ in
            guard ready.isSet else { return JSONResponse.make(["status": "starting"], status: 503) }
            return JSONResponse.make([
                "status": "ready", "plugins": runtime.plugins().filter { $0.state == "loaded" }.count,
            ])
        }
        router.get("metrics") { [runtime] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: runtime.metrics.exposition())))
        }
        AdminAPI(service: admin, runtime: runtime, logger: logger).register(
            on: router, token: configuration.adminToken)
        TenantAPI(
            service: admin, store: runtime.environment.conversations, engine: conversations,
            adminToken: configuration.adminToken
        ).register(on: router)
        return router
    }

    /// Serve until SIGTERM or SIGINT: then stop accepting, finish in-flight requests, stop
    /// instances and retire plugins, in that order.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        if configuration.adminToken == nil {
            logger.warning("admin API disabled: set SWITCHBOARD_ADMIN_TOKEN or [admin] token to enable it")
        }
        try await start()
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: RuntimeService(server: self)),
            .init(service: application(onServerRunning: onServerRunning)),
        ]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        running.withLock { $0 = group }
        defer { running.withLock { $0 = nil } }
        try await group.run()
    }

    /// The same graceful shutdown as SIGTERM, for an embedding program or a test: `run` returns
    /// once it is done. Prefer this to cancelling the task that runs the server: a cancelled
    /// server can trap on a connection accepted but not yet served (swift-nio#3481).
    public func stop() async {
        await running.load()?.triggerGracefulShutdown()
    }

    /// Stop every instance, retire plugins and close the HTTP client.
    public func shutdown() async {
        await runtime.shutdown()
        try? await httpClient.shutdown()
        // PostgreSQL connections go now rather than when the last reference does.
        listener?.close()
        (runtime.environment.database.connection as? PostgresSQLDatabase)?.close()
    }

    /// Create the configuration's instances that are missing and refresh those marked `refresh`;
    /// start what changed. A refused entry is reported; the host keeps serving the rest.
    private func ensureBootstrapInstances() async throws {
        for wanted in configuration.instances {
            do {
                for id in try applyBootstrapInstance(wanted) { try await runtime.instanceChanged(id: id) }
            } catch {
                logger.error(
                    "instance from configuration refused to start",
                    metadata: ["plugin": "\(wanted.plugin)", "instance": "\(wanted.name)", "error": "\(error)"])
            }
        }
    }
}

/// Keeps instances alive while the server runs; on graceful shutdown (after the HTTP server
/// has drained, since services stop in reverse order) it stops instances and plugins.
struct RuntimeService: Service {
    let server: HostServer

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sweepExpiredKeys() }
            group.addTask { await flushAPIKeyUse() }
            group.addTask { await server.watcher.run() }
            group.addTask { await server.conversations.run() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await server.shutdown()
        server.logger.info("plugins stopped; exiting")
    }

    /// API key `last_used_at` writes, batched once a second.
    private func flushAPIKeyUse() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do { try server.apiKeys.flushUse() } catch {
                server.logger.warning("could not record API key use: \(error)")
            }
        }
        try? server.apiKeys.flushUse()
    }

    /// Expired KV entries already read as absent; this reclaims their space now and then.
    private func sweepExpiredKeys() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(300))
            if Task.isCancelled { return }
            let removed = server.runtime.environment.storage.sweepExpired()
            if removed > 0 { server.logger.debug("expired KV entries removed", metadata: ["count": "\(removed)"]) }
        }
    }
}

/// Set once start-up finished; read by /readyz.
final class ReadyFlag: Sendable {
    private let flag = Locked(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
