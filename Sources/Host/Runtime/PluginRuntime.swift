import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SwitchboardStorage
import Synchronization

/// Where plugins come from and which ones load.
public struct PluginRuntimeConfiguration: Sendable {
    /// Directories scanned at start and the only places `load` accepts files from.
    public var directories: [String]
    /// Plugin names to load; nil loads every plugin found.
    public var enabled: [String]?
    public var limits: RuntimeLimits
    /// Start instances on their first request instead of at start-up (for large registries).
    public var lazyStart: Bool
    public var conversations = ConversationSettings()
    /// The SQL plugins may run (their migrations are checked at load).
    public var sqlDialect: PluginSQLDialect.Mode = .portable

    public init(
        directories: [String], enabled: [String]? = nil, limits: RuntimeLimits = RuntimeLimits(), lazyStart: Bool = false,
        conversations: ConversationSettings = ConversationSettings(), sqlDialect: PluginSQLDialect.Mode = .portable
    ) {
        self.sqlDialect = sqlDialect
        self.directories = directories
        self.enabled = enabled
        self.limits = limits
        self.lazyStart = lazyStart
        self.conversations = conversations
    }
}

/// What the admin API and CLI show about a plugin.
public struct PluginStatus: Sendable, Codable, Hashable {
    public var name: String
    public var file: String
    public var state: String
    public var version: String?
    public var abi: String?
    public var generation: Int?
    public var instances: Int?
    public var routes: [String]?
    public var error: String?
}

/// The plugin runtime: loaded plugin generations, running instances and the route table.
///
/// Structural changes (loads, starts, stops, reloads) are serialized; request dispatch reads
/// a consistent snapshot under a short lock and never waits for them.
public final class PluginRuntime: Sendable {
    struct State {
        var plugins: [String: LoadedPlugin] = [:]
        var failures: [String: PluginLoadError] = [:]
        var instances: [String: RuntimeInstance] = [:]
        var routes = RouteTable.empty
        var nextGeneration = 1
        /// Indexes for request dispatch: "plugin/name" and the default instance per plugin.
        var byName: [String: RuntimeInstance] = [:]
        var defaults: [String: RuntimeInstance] = [:]
        /// Every tenant and instance record, for routing without storage reads.
        var registry = RegistryIndex()
        /// When a lazy start last failed, per instance id.
        var startFailures: [String: ContinuousClock.Instant] = [:]

        mutating func put(_ instance: RuntimeInstance) {
            if let old = instances[instance.record.id] { unindex(old) }
            instances[instance.record.id] = instance
            let record = instance.record
            byName[record.plugin + "/" + record.name] = instance
            if record.isDefault { defaults[record.plugin] = instance }
        }

        mutating func remove(id: String) {
            guard let old = instances.removeValue(forKey: id) else { return }
            unindex(old)
        }

        private mutating func unindex(_ instance: RuntimeInstance) {
            let record = instance.record
            if byName[record.plugin + "/" + record.name] === instance {
                byName[record.plugin + "/" + record.name] = nil
            }
            if defaults[record.plugin] === instance { defaults[record.plugin] = nil }
        }
    }

    let configuration: PluginRuntimeConfiguration
    let environment: HostEnvironment
    let logger: Logger
    let loader: PluginLoader
    let state = Locked(State())
    let changes = AsyncLock()

    public init(
        configuration: PluginRuntimeConfiguration, database: HostDatabase, storage: PluginStorageProvider,
        httpClient: HTTPClient, metrics: HostMetrics, eventLoops: any EventLoopGroup, secretBox: SecretBox,
        logger: Logger
    ) {
        self.configuration = configuration
        let conversations = ConversationStore(
            database: database, claimLeaseMilliseconds: configuration.conversations.claimLeaseMilliseconds)
        self.environment = HostEnvironment(
            database: database, storage: storage, httpClient: httpClient, metrics: metrics, eventLoops: eventLoops,
            limits: configuration.limits, secretBox: secretBox, conversations: conversations,
            writer: ConversationWriter(
                store: conversations, handoffPause: configuration.conversations.handoffPauseMilliseconds))
        self.logger = logger
        self.loader = PluginLoader(
            directories: configuration.directories, enabled: configuration.enabled,
            threadsPerPlugin: configuration.limits.threadsPerPlugin,
            logger: logger, sqlDialect: configuration.sqlDialect)
        PluginLoggers.install(logger)
    }

    public var database: HostDatabase { environment.database }
    public var metrics: HostMetrics { environment.metrics }

    // MARK: - Start-up

    /// Load every enabled plugin found in the plugin directories, then start the instances
    /// the registry holds for them. Refusals are logged and kept for `plugins()`; they never
    /// stop the others.
    @discardableResult
    public func bootstrap() async -> [PluginLoadError] {
        do {
            let index = RegistryIndex(tenants: try database.listTenants(), instances: try database.listInstances())
            state.withLock { $0.registry = index }
        } catch {
            logger.error("cannot read the registry", metadata: ["error": "\(error)"])
        }
        var refusals: [PluginLoadError] = []
        for file in loader.discover() {
            if let enabled = configuration.enabled, !enabled.contains(PluginLoader.stem(ofFile: file)) { continue }
            do {
                _ = try await load(path: file)
            } catch {
                refusals.append(error)
            }
        }
        let loaded = state.withLock { Set($0.plugins.keys) }
        for name in configuration.enabled ?? [] where !loaded.contains(name) {
            logger.warning("enabled plugin not found in plugin directories", metadata: ["plugin": "\(name)"])
        }
        return refusals
    }

    // MARK: - Loading

    /// Load a plugin file into the running host. A new version of a loaded plugin (a different
    /// file with the same plugin name) becomes a new generation: its instances start first,
    /// then traffic moves to them, then the old generation drains and retires.
    public func load(path: String) async throws(PluginLoadError) -> PluginStatus {
        let result: Result<PluginStatus, PluginLoadError> = await changes.withLock {
            do {
                return .success(try await self.loadLocked(path: path))
            } catch let error as PluginLoadError {
                return .failure(error)
            } catch {
                return .failure(PluginLoadError(.initFailed, file: path, reason: "\(error)"))
            }
        }
        switch result {
        case .success(let status): return status
        case .failure(let error):
            logger.error("\(error.description)")
            state.withLock { $0.failures[error.file] = error }
            metrics.increment("switchboard_plugin_load_failures_total", labels: [("code", error.code.description)])
            throw error
        }
    }

    private func loadLocked(path: String) async throws -> PluginStatus {
        let file = try loader.resolve(path)
        let (existingFile, generation) = state.withLock { state -> (String?, Int) in
            defer { state.nextGeneration += 1 }
            let existing = state.plugins.values.first { $0.file == file }?.file
            return (existing, state.nextGeneration)
        }
        if let existingFile {
            throw PluginLoadError(
                .alreadyLoaded, file: existingFile,
                reason: "this file is already loaded; publish a new version under a new file name to reload")
        }
        let plugin = try await loader.load(realPath: file, generation: generation)
        if let conflict = aliasConflict(plugin.manifest) {
            await plugin.retire()
            throw PluginLoadError(
                .invalidDescriptor, file: file, field: "routes", expected: "aliases no other plugin serves",
                actual: conflict, reason: "alias route already served by another plugin")
        }
        let previous = state.withLock { $0.plugins[plugin.name] }
        let replacements = try await startInstances(on: plugin, replacing: previous)
        let retiring: [RuntimeInstance] = state.withLock { state in
            state.plugins[plugin.name] = plugin
            state.failures[file] = nil
            var old: [RuntimeInstance] = []
            for instance in replacements {
                if let current = state.instances[instance.record.id] { old.append(current) }
                state.put(instance)
            }
            state.routes = RouteTable(manifests: state.plugins.values.map(\.manifest))
            return old
        }
        logger.info(
            "plugin loaded",
            metadata: [
                "plugin": "\(plugin.name)", "version": "\(plugin.manifest.version)", "file": "\(file)",
                "generation": "\(generation)", "instances": "\(replacements.count)",
            ])
        if let previous {
            for instance in retiring { await stop(instance) }
            await previous.retire()
            logger.info(
                "plugin generation retired",
                metadata: ["plugin": "\(plugin.name)", "generation": "\(previous.generation)"])
        }
        return status(of: plugin)
    }

    /// Start every enabled instance the registry holds for this plugin on a new generation.
    /// All or nothing: when one refuses to start, the ones started are stopped again.
    private func startInstances(on plugin: LoadedPlugin, replacing previous: LoadedPlugin?) async throws
        -> [RuntimeInstance]
    {
        let (entries, running) = state.withLock { state in
            (
                state.registry.instances.values.filter { $0.plugin == plugin.name }
                    .compactMap { state.registry.entry(id: $0.id) }.filter(\.isServable),
                Set(state.instances.keys)
            )
        }
        var started: [RuntimeInstance] = []
        // Lazily started deployments carry over only the instances that are running.
        for entry in entries.sorted(by: { $0.instance.name < $1.instance.name })
        where !configuration.lazyStart || running.contains(entry.instance.id) {
            let (record, tenant) = (entry.instance, entry.tenant)
            do {
                started.append(try await startInstance(record, tenant: tenant, on: plugin))
            } catch {
                if previous == nil {
                    // A first load keeps serving the other instances; this one is reported.
                    logger.error(
                        "instance failed to start", metadata: ["instance": "\(record.name)", "error": "\(error)"])
                    continue
                }
                for instance in started { await stop(instance) }
                await plugin.retire()
                throw PluginLoadError(
                    .initFailed, file: plugin.file,
                    reason: "new generation refused instance \(record.name): \(error); the old generation keeps serving"
                )
            }
        }
        return started
    }

    /// An alias (method and path) of `manifest` that another loaded plugin already serves.
    private func aliasConflict(_ manifest: PluginManifest) -> String? {
        let others = state.withLock { $0.plugins.values.filter { $0.name != manifest.name }.map(\.manifest) }
        for route in manifest.routes where route.mount == .alias {
            for other in others {
                if let clash = other.routes.first(where: {
                    $0.mount == .alias && $0.path == route.path
                        && ($0.method == route.method || $0.method == "*" || route.method == "*")
                }) {
                    return "\(route.method) \(route.path) (served by \(other.name) as \(clash.method))"
                }
            }
        }
        return nil
    }

    // MARK: - Status

    public func plugins() -> [PluginStatus] {
        state.withLock { state in
            let loaded = state.plugins.values.map { plugin in
                var status = self.status(of: plugin)
                status.instances = state.instances.values.filter { $0.plugin === plugin }.count
                return status
            }
            let failed = state.failures.values.map { error in
                PluginStatus(
                    name: PluginLoader.stem(ofFile: error.file), file: error.file, state: "failed",
                    error: error.description)
            }
            return (loaded + failed).sorted { ($0.name, $0.file) < ($1.name, $1.file) }
        }
    }

    func status(of plugin: LoadedPlugin) -> PluginStatus {
        PluginStatus(
            name: plugin.name, file: plugin.file, state: "loaded", version: plugin.manifest.version,
            abi: "\(plugin.manifest.abiMajor).\(plugin.manifest.abiMinor)", generation: plugin.generation,
            routes: plugin.manifest.routes.map { route in
                switch route.mount {
                case .alias: "\(route.method) \(route.path)"
                case .instance: "\(route.method) /webhook/\(plugin.name)/{instance}\(route.path)"
                case .tenant: "\(route.method) /v1/plugins/\(plugin.name)/{instance}\(route.path)"
                }
            })
    }

    /// The loaded generation of a plugin, if any.
    func plugin(named name: String) -> LoadedPlugin? { state.withLock { $0.plugins[name] } }

    /// The plugin's manifest (settings schema, routes), if loaded.
    public func manifest(of name: String) -> PluginManifest? { plugin(named: name)?.manifest }

    // MARK: - Shutdown

    /// Stop every instance and retire every plugin. Libraries stay mapped.
    public func shutdown() async {
        await changes.withLock {
            let (instances, plugins) = self.state.withLock { state in
                defer {
                    state.instances = [:]
                    state.byName = [:]
                    state.defaults = [:]
                    state.plugins = [:]
                    state.routes = .empty
                }
                return (Array(state.instances.values), Array(state.plugins.values))
            }
            for instance in instances { await self.stop(instance) }
            for plugin in plugins { await plugin.retire() }
            self.environment.writer.stop()
        }
    }
}
