import Foundation
import Logging
import PluginAPI
import SwitchboardStorage
import Synchronization

/// One running plugin instance: a (tenant, channel instance) on one plugin generation.
///
/// Holds the host handle the plugin sees, the plugin's instance pointer, the configuration
/// it was given, and the bookkeeping that lets the runtime drain it before stopping it.
final class RuntimeInstance: Sendable {
    /// The configuration the instance runs with.
    struct Snapshot: Sendable {
        var instance: InstanceRecord
        var tenant: TenantRecord
        var configJSON: [UInt8]
    }

    private struct Activity {
        var inFlight = 0
        var stopping = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let handle: UInt64
    let plugin: LoadedPlugin
    let environment: HostEnvironment
    let logger: Logger
    private let snapshotState: Locked<Snapshot>
    private let pointerState = Locked(PluginPointer(raw: nil))
    private let activity = Locked(Activity())
    private let storageState = Locked<(any PluginStore)?>(nil)
    private let liveTimers = Locked<Set<UInt64>>([])
    private let liveResponses = Locked<[UInt64: ResponseSlot]>([:])

    init(handle: UInt64, plugin: LoadedPlugin, snapshot: Snapshot, environment: HostEnvironment, logger: Logger) {
        self.handle = handle
        self.plugin = plugin
        self.snapshotState = Locked(snapshot)
        self.environment = environment
        var logger = logger
        logger[metadataKey: "tenant"] = "\(snapshot.tenant.slug)"
        logger[metadataKey: "plugin"] = "\(plugin.name)"
        logger[metadataKey: "instance"] = "\(snapshot.instance.name)"
        self.logger = logger
    }

    var snapshot: Snapshot { snapshotState.withLock { $0 } }
    var record: InstanceRecord { snapshot.instance }
    var pointer: PluginPointer { pointerState.withLock { $0 } }

    func setPointer(_ pointer: PluginPointer) { pointerState.withLock { $0 = pointer } }
    func update(_ snapshot: Snapshot) { snapshotState.withLock { $0 = snapshot } }

    /// Metric labels for this instance.
    var labels: [(String, String)] {
        let snapshot = self.snapshot
        return [("plugin", plugin.name), ("tenant", snapshot.tenant.slug), ("instance", snapshot.instance.name)]
    }

    // MARK: - Storage

    /// The tenant-scoped storage of this (tenant, plugin), opened on first use.
    func storage() throws -> any PluginStore {
        if let storage = storageState.withLock({ $0 }) { return storage }
        let tenant = snapshot.tenant.id
        let migrations = plugin.manifest.migrations.map { Migration(name: $0.name, sql: $0.sql) }
        let storage = try environment.storage.store(tenant: tenant, plugin: plugin.name, migrations: migrations)
        storageState.withLock { $0 = storage }
        return storage
    }

    // MARK: - In-flight work

    /// Count a unit of work in; false when the instance is stopping (the caller re-resolves).
    func enter() -> Bool {
        activity.withLock { activity in
            guard !activity.stopping else { return false }
            activity.inFlight += 1
            return true
        }
    }

    /// Count a unit of work out.
    func leave() {
        let waiters: [CheckedContinuation<Void, Never>] = activity.withLock { activity in
            activity.inFlight -= 1
            guard activity.stopping, activity.inFlight == 0 else { return [] }
            defer { activity.drainWaiters = [] }
            return activity.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var isStopping: Bool { activity.withLock { $0.stopping } }

    /// Refuse new work and wait until in-flight work ends or `timeout` passes.
    /// Returns false when it timed out.
    func drain(timeout: Duration) async -> Bool {
        let alreadyIdle = activity.withLock { activity in
            activity.stopping = true
            return activity.inFlight == 0
        }
        if alreadyIdle { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let idle = self.activity.withLock { activity in
                        if activity.inFlight == 0 { return true }
                        activity.drainWaiters.append(continuation)
                        return false
                    }
                    if idle { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first {
                // Release the drain waiter so the group can finish.
                let waiters = self.activity.withLock { activity in
                    defer { activity.drainWaiters = [] }
                    return activity.drainWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
            group.cancelAll()
            return first
        }
    }

    // MARK: - Handles owned by the instance

    func registerTimer(_ handle: UInt64) { liveTimers.withLock { _ = $0.insert(handle) } }
    func forgetTimer(_ handle: UInt64) { liveTimers.withLock { _ = $0.remove(handle) } }
    func ownsTimer(_ handle: UInt64) -> Bool { liveTimers.withLock { $0.contains(handle) } }

    func registerResponse(_ handle: UInt64, _ slot: ResponseSlot) { liveResponses.withLock { $0[handle] = slot } }
    func forgetResponse(_ handle: UInt64) { liveResponses.withLock { _ = $0.removeValue(forKey: handle) } }

    /// Cancel timers and abandon open responses; called once the plugin stopped the instance.
    func releaseHandles() {
        let timers = liveTimers.withLock { timers in
            defer { timers = [] }
            return timers
        }
        for timer in timers { HostHandles.timers.remove(timer)?.cancel() }
        let responses = liveResponses.withLock { responses in
            defer { responses = [:] }
            return responses
        }
        for (handle, slot) in responses {
            HostHandles.responses.remove(handle)
            slot.abandon(reason: "instance stopped")
        }
    }
}

extension RuntimeInstance.Snapshot {
    /// Build the InstanceConfig JSON the plugin receives.
    /// Secrets appear both merged into `settings` (the plugin's complete view) and on their own.
    static func make(instance: InstanceRecord, tenant: TenantRecord, secrets: [String: Any] = [:]) -> Self {
        var settings = SecretSettings.object(instance.settings)
        for (name, value) in secrets { settings[name] = value }
        let object: [String: Any] = [
            "tenant": tenant.slug,
            "tenant_id": tenant.id,
            "instance": instance.name,
            "instance_id": instance.id,
            "plugin": instance.plugin,
            "is_default": instance.isDefault,
            "settings": settings,
            "secrets": secrets,
        ]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Self(instance: instance, tenant: tenant, configJSON: Array(json))
    }
}
