import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import PluginAPI
import SwitchboardStorage

/// A measurement probe for benchmarks: one plugin instance in a scratch host, whose hooks and
/// host services can be called in tight loops on the calling thread.
///
/// `start(pluginFile:)` loads the file into its own `PluginRuntime` (a fresh temporary data
/// directory; the file's directory as the only plugin directory), registers one tenant and one
/// instance and starts it exactly as the host does. The timing methods then deliberately bypass
/// the plugin's worker threads: they measure the bare ABI crossing through the host's copied
/// hook table (`PluginHooks.raw`) and the host-services table (`HostServices.table`), with the
/// instance's real plugin pointer and real `sb_instance_t` handle.
///
/// Every timing method returns the elapsed nanoseconds (CLOCK_MONOTONIC) of the whole loop.
///
/// - Important: For benchmarks and diagnostics only. Call `shutdown()` when done.
public final class HookProbe: Sendable {
    /// The C signature of `on_timer`; also the signature of baseline functions for `timeCalls`.
    public typealias TimerHook = @convention(c) (UnsafeMutableRawPointer?, UInt64, UInt64) -> Void

    /// A probe that could not be set up or whose call failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The plugin's descriptor name.
    public let pluginName: String
    private let runtime: PluginRuntime
    private let instance: RuntimeInstance
    private let httpClient: HTTPClient
    private let scratch: String

    private init(pluginName: String, runtime: PluginRuntime, instance: RuntimeInstance, httpClient: HTTPClient, scratch: String) {
        self.pluginName = pluginName
        self.runtime = runtime
        self.instance = instance
        self.httpClient = httpClient
        self.scratch = scratch
    }

    /// Load `pluginFile` into a scratch host and start one instance of it (settings `{}`).
    public static func start(pluginFile: String) async throws -> HookProbe {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var logger = Logger(label: "switchboard.probe")
        logger.logLevel = .critical
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let absolute = URL(fileURLWithPath: pluginFile).standardizedFileURL.path
            let database = try HostDatabase(dataDirectory: scratch, logger: logger)
            let runtime = PluginRuntime(
                configuration: PluginRuntimeConfiguration(directories: [(absolute as NSString).deletingLastPathComponent]),
                database: database, storage: PluginStorageProvider(dataDirectory: scratch, logger: logger),
                httpClient: httpClient, metrics: HostMetrics(), eventLoops: MultiThreadedEventLoopGroup.singleton, secretBox: .ephemeral(),
                logger: logger)
            let status = try await runtime.load(path: absolute)
            let tenant = try database.createTenant(slug: "probe", name: "Probe")
            let record = try database.createInstance(
                tenantId: tenant.id, plugin: status.name, name: "probe", isDefault: true, enabled: true, settings: "{}")
            try await runtime.instanceChanged(id: record.id)
            guard let instance = runtime.runningInstance(id: record.id) else {
                await runtime.shutdown()
                throw Failure(description: "instance of \(status.name) did not start")
            }
            return HookProbe(pluginName: status.name, runtime: runtime, instance: instance, httpClient: httpClient, scratch: scratch)
        } catch {
            try? await httpClient.shutdown()
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
    }

    /// Stop the instance, retire the plugin and delete the scratch directory.
    public func shutdown() async {
        await runtime.shutdown()
        try? await httpClient.shutdown()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: - Hooks

    /// Call the instance's `on_timer` `iterations` times through the host's copied hook table,
    /// with the instance's plugin pointer (timer handle 0, user_data = the iteration index).
    public func timeOnTimer(iterations: Int) throws -> UInt64 {
        guard let hook = instance.plugin.hooks.raw.on_timer else {
            throw Failure(description: "\(pluginName) has no on_timer hook")
        }
        return try whileEntered { Self.timeCalls(hook, context: instance.pointer.raw, iterations: iterations) }
    }

    /// The loop `timeOnTimer` runs, for any function of `on_timer`'s signature (baselines).
    @inline(never)
    public static func timeCalls(_ function: TimerHook, context: UnsafeMutableRawPointer?, iterations: Int) -> UInt64 {
        let count = UInt64(max(iterations, 0))
        let start = monotonicNanoseconds()
        var index: UInt64 = 0
        while index < count {
            function(context, 0, index)
            index &+= 1
        }
        return monotonicNanoseconds() &- start
    }

    // MARK: - Host services

    /// One `kv_put` through `HostServices.table` with the instance's handle; returns its status.
    public func kvPut(key: [UInt8], value: [UInt8]) -> Int32 {
        let put = HostServices.table.pointee.kv_put!
        let handle = instance.handle
        return key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                put(handle, sb_bytes_t(ptr: k.baseAddress, len: k.count), sb_bytes_t(ptr: v.baseAddress, len: v.count), 0)
            }
        }
    }

    /// `kv_get` of an existing `key` `iterations` times through `HostServices.table`, releasing
    /// each returned value with `bytes_free` inside the timed loop. Throws when a call fails or
    /// returns a value whose length is not `expectedLength`.
    public func timeKVGet(key: [UInt8], expectedLength: Int, iterations: Int) throws -> UInt64 {
        let table = HostServices.table.pointee
        let get = table.kv_get!
        let free = table.bytes_free!
        let handle = instance.handle
        let (elapsed, failures, bytes) = try whileEntered {
            key.withUnsafeBufferPointer { k -> (UInt64, Int, Int) in
                let keyBytes = sb_bytes_t(ptr: k.baseAddress, len: k.count)
                var out = sb_owned_bytes_t(ptr: nil, len: 0)
                var failures = 0
                var bytes = 0
                let start = Self.monotonicNanoseconds()
                for _ in 0..<max(iterations, 0) {
                    if get(handle, keyBytes, &out) == SB_OK {
                        bytes &+= out.len
                        free(out)
                    } else {
                        failures &+= 1
                    }
                }
                return (Self.monotonicNanoseconds() &- start, failures, bytes)
            }
        }
        guard failures == 0, bytes == expectedLength * iterations else {
            throw Failure(description: "kv_get: \(failures) failed calls, \(bytes) bytes read")
        }
        return elapsed
    }

    /// `kv_put` of `key` = `value` (no TTL) `iterations` times through `HostServices.table`.
    public func timeKVPut(key: [UInt8], value: [UInt8], iterations: Int) throws -> UInt64 {
        let put = HostServices.table.pointee.kv_put!
        let handle = instance.handle
        let (elapsed, failures) = try whileEntered {
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v -> (UInt64, Int) in
                    let keyBytes = sb_bytes_t(ptr: k.baseAddress, len: k.count)
                    let valueBytes = sb_bytes_t(ptr: v.baseAddress, len: v.count)
                    var failures = 0
                    let start = Self.monotonicNanoseconds()
                    for _ in 0..<max(iterations, 0) where put(handle, keyBytes, valueBytes, 0) != SB_OK {
                        failures &+= 1
                    }
                    return (Self.monotonicNanoseconds() &- start, failures)
                }
            }
        }
        guard failures == 0 else { throw Failure(description: "kv_put: \(failures) failed calls") }
        return elapsed
    }

    // MARK: - Helpers

    /// Count the work in like a dispatched hook, so a concurrent stop drains it first.
    private func whileEntered<R>(_ body: () throws -> R) throws -> R {
        guard instance.enter() else { throw Failure(description: "instance is stopping") }
        defer { instance.leave() }
        return try body()
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
