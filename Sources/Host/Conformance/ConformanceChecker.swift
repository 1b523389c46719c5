import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import PluginAPI
import SwitchboardStorage
import Synchronization

/// Runs a plugin file through the checks a host relies on, in a scratch host with its own
/// temporary data directory: descriptor and version negotiation, mandatory hooks, repeated
/// instance start/stop, concurrent hook calls, and bad inputs to every hook.
public struct ConformanceChecker: Sendable {
    public struct Result: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public struct Report: Sendable {
        public var file: String
        public var results: [Result]
        public var passed: Bool { !results.isEmpty && results.allSatisfy(\.passed) }
    }

    public var cycles: Int
    public var concurrency: Int

    public init(cycles: Int = 1000, concurrency: Int = 8) {
        self.cycles = cycles
        self.concurrency = concurrency
    }

    /// Check one file. `onResult` sees each result as soon as it is known (so a caller can
    /// print it before a misbehaving plugin gets the chance to crash the process).
    public func check(file: String, onResult: @escaping @Sendable (Result) -> Void = { _ in }) async -> Report {
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let log = ResultLog(onResult)
        let report = await check(file: file, httpClient: httpClient, log: log)
        try? await httpClient.shutdown()
        return report
    }

    private func check(file: String, httpClient: HTTPClient, log: ResultLog) async -> Report {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "switchboard-check-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var logger = Logger(label: "switchboard.check")
        logger.logLevel = .critical
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        let runtime: PluginRuntime
        let database: HostDatabase
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            database = try HostDatabase(dataDirectory: scratch, logger: logger)
            var limits = RuntimeLimits()
            limits.drainTimeout = .seconds(10)
            runtime = PluginRuntime(
                configuration: PluginRuntimeConfiguration(
                    directories: [(absolute as NSString).deletingLastPathComponent], limits: limits),
                database: database, storage: PluginStorageProvider(dataDirectory: scratch, logger: logger),
                httpClient: httpClient, metrics: HostMetrics(), eventLoops: MultiThreadedEventLoopGroup.singleton, secretBox: .ephemeral(),
                logger: logger)
        } catch {
            log.append(Result(name: "scratch host", passed: false, detail: "\(error)"))
            return Report(file: file, results: log.all)
        }

        let report = await runChecks(file: file, absolute: absolute, runtime: runtime, database: database, log: log)
        await runtime.shutdown()
        return report
    }

    private func runChecks(
        file: String, absolute: String, runtime: PluginRuntime, database: HostDatabase, log results: ResultLog
    ) async -> Report {
        // 1 + 2. Descriptor, version negotiation and mandatory hooks are all checked by the loader.
        let status: PluginStatus
        do {
            status = try await runtime.load(path: absolute)
            results.append(
                Result(
                    name: "descriptor and version negotiation", passed: true,
                    detail: "\(status.name) \(status.version ?? "") ABI \(status.abi ?? "")"))
            results.append(Result(name: "mandatory hooks", passed: true, detail: ""))
        } catch {
            let hookProblem = error.code == .missingHook
            results.append(
                Result(
                    name: "descriptor and version negotiation", passed: hookProblem,
                    detail: hookProblem ? "" : error.description))
            results.append(
                Result(name: "mandatory hooks", passed: false, detail: hookProblem ? error.description : "not reached"))
            return Report(file: file, results: results.all)
        }
        guard let plugin = runtime.plugin(named: status.name) else {
            results.append(Result(name: "plugin registered", passed: false, detail: ""))
            return Report(file: file, results: results.all)
        }
        let context: (TenantRecord, InstanceRecord)
        do {
            let tenant = try database.createTenant(slug: "conformance", name: "Conformance")
            let record = try database.createInstance(
                tenantId: tenant.id, plugin: plugin.name, name: "check", isDefault: true, enabled: true, settings: "{}")
            context = (tenant, record)
        } catch {
            results.append(Result(name: "scratch registry", passed: false, detail: "\(error)"))
            return Report(file: file, results: results.all)
        }
        results.append(await startStopCycles(runtime, plugin, context))
        results.append(await concurrentCalls(runtime, plugin, context))
        await badInputs(runtime, plugin, context, log: results)
        return Report(file: file, results: results.all)
    }

    // MARK: - Checks

    private func startStopCycles(
        _ runtime: PluginRuntime, _ plugin: LoadedPlugin, _ context: (TenantRecord, InstanceRecord)
    ) async -> Result {
        let name = "\(cycles) instance start/stop cycles"
        var leaked = 0
        let started = ContinuousClock.now
        for cycle in 0..<cycles {
            do {
                let instance = try await runtime.startInstance(context.1, tenant: context.0, on: plugin)
                await runtime.stop(instance)
                if HostHandles.instances.lookup(instance.handle) != nil { leaked += 1 }
            } catch {
                return Result(name: name, passed: false, detail: "cycle \(cycle): \(error)")
            }
        }
        let elapsed = ContinuousClock.now - started
        return Result(
            name: name, passed: leaked == 0, detail: leaked == 0 ? "\(elapsed)" : "\(leaked) instance handles leaked")
    }

    private func concurrentCalls(
        _ runtime: PluginRuntime, _ plugin: LoadedPlugin, _ context: (TenantRecord, InstanceRecord)
    ) async -> Result {
        let name = "concurrent hook calls from \(concurrency) threads"
        do {
            try await runtime.instanceChanged(id: context.1.id)
        } catch {
            return Result(name: name, passed: false, detail: "instance did not start: \(error)")
        }
        let requests = plugin.manifest.routes.map { route in
            Self.request(for: route, plugin: plugin.name, body: Array("{}".utf8))
        }
        let calls = 50
        let counts = await withTaskGroup(of: (Int, Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var answered = 0
                    var sends = 0
                    for call in 0..<calls {
                        if !requests.isEmpty {
                            let outcome = await runtime.dispatch(requests[(worker + call) % requests.count], caller: .host)
                            if case .answered(_, _, let finished) = outcome {
                                finished()
                                answered += 1
                            }
                        }
                        _ = try? await runtime.send(
                            instanceId: context.1.id, messageJSON: Array(#"{"to":"x","text":"conformance"}"#.utf8))
                        sends += 1
                    }
                    return (answered, sends)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        let expected = requests.isEmpty ? 0 : concurrency * calls
        return Result(
            name: name, passed: counts.0 == expected && counts.1 == concurrency * calls,
            detail: "\(counts.0)/\(expected) requests answered, \(counts.1) sends returned")
    }
    private func badInputs(
        _ runtime: PluginRuntime, _ plugin: LoadedPlugin, _ context: (TenantRecord, InstanceRecord),
        log results: ResultLog
    ) async {
        let inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("10 MiB", [UInt8](repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)),
            ("invalid UTF-8", [0xC3, 0x28, 0xFF, 0xFE, 0x80]),
            ("invalid JSON", Array(#"{"settings": [1, 2,"#.utf8)),
        ]
        guard let instance = runtime.runningInstance(id: context.1.id) else {
            results.append(Result(name: "bad inputs", passed: false, detail: "no running instance"))
            return
        }
        for (label, bytes) in inputs {
            var statuses: [String] = []
            // on_instance_start with a bad configuration: refusing is fine, crashing is not.
            let start = await Self.rawInstanceStart(plugin, config: bytes)
            statuses.append("start=\(start)")
            if plugin.hooks.raw.on_config_changed != nil {
                statuses.append("config=\(await Self.rawConfigChanged(instance, config: bytes))")
            }
            do {
                _ = try await runtime.send(instanceId: context.1.id, messageJSON: bytes)
                statuses.append("send=ok")
            } catch {
                statuses.append("send=\((error as? SendError)?.status ?? "error")")
            }
            for route in plugin.manifest.routes {
                let outcome = await runtime.dispatch(Self.request(for: route, plugin: plugin.name, body: bytes), caller: .host)
                if case .answered(let head, _, let finished) = outcome {
                    finished()
                    if case .complete(let code, _, _) = head {
                        statuses.append("\(route.method) \(route.path)=\(code)")
                    } else if case .failed = head {
                        statuses.append("\(route.method) \(route.path)=error")
                    } else {
                        statuses.append("\(route.method) \(route.path)=stream")
                    }
                }
            }
            results.append(
                Result(
                    name: "bad input (\(label)) to every hook", passed: true, detail: statuses.joined(separator: " ")))
        }
    }

    // MARK: - Helpers

    static func request(for route: RouteSpec, plugin: String, body: [UInt8]) -> PluginRequest {
        let method = route.method == "*" ? "POST" : route.method
        let concrete = route.path.split(separator: "/").map { $0 == "*" || $0.hasPrefix("{") ? "x" : String($0) }
            .joined(separator: "/")
        let path =
            switch route.mount {
            case .alias: "/" + concrete
            case .instance: "/webhook/\(plugin)/check/" + concrete
            case .tenant: "/v1/plugins/\(plugin)/check/" + concrete
            }
        return PluginRequest(
            method: method, path: path, headers: [(name: "content-type", value: "application/json")], body: body)
    }

    static func rawInstanceStart(_ plugin: LoadedPlugin, config: [UInt8]) async -> String {
        let hooks = plugin.hooks
        let result = try? await plugin.run {
            var error = ErrorBuffer()
            var out: UnsafeMutableRawPointer?
            let status = config.withUnsafeBufferPointer { bytes in
                hooks.raw.on_instance_start!(
                    plugin.state.raw, 0, sb_bytes_t(ptr: bytes.baseAddress, len: bytes.count), &out, &error.raw)
            }
            if status == SB_OK { hooks.raw.on_instance_stop!(out) }
            return status
        }
        return result.map { "\(ABIStatus($0))" } ?? "unavailable"
    }

    static func rawConfigChanged(_ instance: RuntimeInstance, config: [UInt8]) async -> String {
        let hooks = instance.plugin.hooks
        let pointer = instance.pointer
        let result = try? await instance.plugin.run {
            var error = ErrorBuffer()
            return config.withUnsafeBufferPointer { bytes in
                hooks.raw.on_config_changed!(
                    pointer.raw, sb_bytes_t(ptr: bytes.baseAddress, len: bytes.count), &error.raw)
            }
        }
        return result.map { "\(ABIStatus($0))" } ?? "unavailable"
    }
}

/// Results in order, each passed to a callback as it is added.
final class ResultLog: Sendable {
    private let results = Locked<[ConformanceChecker.Result]>([])
    private let onResult: @Sendable (ConformanceChecker.Result) -> Void

    init(_ onResult: @escaping @Sendable (ConformanceChecker.Result) -> Void) {
        self.onResult = onResult
    }

    func append(_ result: ConformanceChecker.Result) {
        results.withLock { $0.append(result) }
        onResult(result)
    }

    var all: [ConformanceChecker.Result] { results.withLock { $0 } }
}
