import Foundation
import Logging
import PluginAPI
import SwitchboardStorage

/// Why an instance did not start.
public struct InstanceStartError: Error, Sendable, CustomStringConvertible {
    public var instance: String
    public var plugin: String
    public var status: String
    public var reason: String
    public var description: String {
        "instance \(instance) of plugin \(plugin) refused to start (\(status)): \(reason)"
    }
}

extension PluginRuntime {
    /// Create a runtime instance on a plugin generation and run its on_instance_start.
    func startInstance(_ record: InstanceRecord, tenant: TenantRecord, on plugin: LoadedPlugin) async throws
        -> RuntimeInstance
    {
        let snapshot = RuntimeInstance.Snapshot.make(instance: record, tenant: tenant, secrets: storedSecrets(record))
        let environment = self.environment
        let logger = self.logger
        let instance = HostHandles.instances.insert { handle in
            RuntimeInstance(
                handle: handle, plugin: plugin, snapshot: snapshot, environment: environment, logger: logger)
        }
        let hooks = plugin.hooks
        let started = ContinuousClock.now
        let (status, message, pointer) = try await plugin.run {
            var error = ErrorBuffer()
            var out: UnsafeMutableRawPointer?
            let status = snapshot.configJSON.withUnsafeBufferPointer { config in
                hooks.raw.on_instance_start!(
                    plugin.state.raw, instance.handle, sb_bytes_t(ptr: config.baseAddress, len: config.count), &out,
                    &error.raw)
            }
            return (status, error.message, PluginPointer(raw: out))
        }
        recordHook("on_instance_start", instance, status: status, since: started)
        guard status == SB_OK else {
            HostHandles.instances.remove(instance.handle)
            instance.releaseHandles()
            throw InstanceStartError(
                instance: record.name, plugin: plugin.name, status: "\(ABIStatus(status))",
                reason: message ?? "no reason given")
        }
        instance.setPointer(pointer)
        metrics.increment("switchboard_instance_starts_total", labels: [("plugin", plugin.name)])
        return instance
    }

    /// Drain an instance, run its on_instance_stop and retire its handles.
    ///
    /// - Important: on_instance_stop never runs while another hook of the instance runs. When
    ///   in-flight work outlives the drain timeout, open streams are ended; if a hook still
    ///   blocks, the instance is abandoned without on_instance_stop and an error is logged.
    func stop(_ instance: RuntimeInstance) async {
        let limits = environment.limits
        var idle = await instance.drain(timeout: limits.drainTimeout)
        if !idle {
            instance.releaseHandles()
            idle = await instance.drain(timeout: .seconds(5))
        }
        instance.releaseHandles()
        guard idle else {
            HostHandles.instances.remove(instance.handle)
            instance.plugin.markAbandoned()
            instance.logger.error("instance did not drain; on_instance_stop skipped to protect the plugin")
            return
        }
        let hooks = instance.plugin.hooks
        let pointer = instance.pointer
        let started = ContinuousClock.now
        // The handle stays valid during on_instance_stop, so the plugin can still use services.
        _ = try? await instance.plugin.run { hooks.raw.on_instance_stop?(pointer.raw) }
        recordHook("on_instance_stop", instance, status: SB_OK, since: started)
        HostHandles.instances.remove(instance.handle)
        instance.releaseHandles()
    }

    // MARK: - Registry changes

    /// Bring the running instance in line with its registry record: start, reconfigure or stop it.
    /// Called after the admin API changes an instance or its tenant, and for every change the
    /// registry's change log shows (the CLI writing while the server runs). A running instance
    /// whose record and tenant did not change is left alone unless `force` (a reload).
    public func instanceChanged(id: String, force: Bool = false) async throws {
        try await changes.withLock { try await self.syncInstance(id: id, force: force) }
    }

    /// Apply `instanceChanged` to every instance of a tenant (suspend, resume).
    public func tenantChanged(id: String) async throws {
        let tenant = try database.tenant(id: id)
        state.withLock { state in
            if let tenant { state.registry.upsert(tenant) } else { state.registry.remove(tenantId: id) }
        }
        let ids = try database.listInstances(tenantId: id, plugin: nil).map(\.id)
        for instanceId in ids { try await instanceChanged(id: instanceId) }
        let running = state.withLock { $0.instances.values.filter { $0.snapshot.tenant.id == id }.map(\.record.id) }
        for instanceId in running where !ids.contains(instanceId) { try await instanceChanged(id: instanceId) }
    }

    private func syncInstance(id: String, force: Bool, startNow: Bool = false) async throws {
        let record = try database.instance(id: id)
        let tenant = try record.flatMap { try database.tenant(id: $0.tenantId) }
        let running = state.withLock { state in
            if !startNow { state.startFailures[id] = nil }
            if let record { state.registry.upsert(record) } else { state.registry.remove(instanceId: id) }
            if let tenant { state.registry.upsert(tenant) }
            return state.instances[id]
        }
        guard let record, let tenant, record.enabled, tenant.status == .active,
            let plugin = plugin(named: record.plugin)
        else {
            if let running {
                state.withLock { $0.remove(id: id) }
                await stop(running)
            }
            return
        }
        if !force, let running, running.plugin === plugin, running.record == record, running.snapshot.tenant == tenant {
            return
        }
        // A lazily started deployment starts instances on their first request, not on change.
        if configuration.lazyStart, running == nil, !startNow { return }
        let snapshot = RuntimeInstance.Snapshot.make(instance: record, tenant: tenant, secrets: storedSecrets(record))
        if let running, running.plugin === plugin, running.record.name == record.name,
            running.record.isDefault == record.isDefault, await reconfigureInPlace(running, snapshot)
        {
            return
        }
        let fresh = try await startInstance(record, tenant: tenant, on: plugin)
        state.withLock { $0.put(fresh) }
        if let running { await stop(running) }
    }

    /// Try on_config_changed; false when the plugin has none or refused (then the caller restarts it).
    private func reconfigureInPlace(_ instance: RuntimeInstance, _ snapshot: RuntimeInstance.Snapshot) async -> Bool {
        guard let onChanged = instance.plugin.hooks.raw.on_config_changed, instance.enter() else { return false }
        defer { instance.leave() }
        let previous = instance.snapshot
        instance.update(snapshot)
        let pointer = instance.pointer
        let started = ContinuousClock.now
        let result = try? await instance.plugin.run {
            var error = ErrorBuffer()
            let status = snapshot.configJSON.withUnsafeBufferPointer { config in
                onChanged(pointer.raw, sb_bytes_t(ptr: config.baseAddress, len: config.count), &error.raw)
            }
            return (status, error.message)
        }
        recordHook("on_config_changed", instance, status: result?.0 ?? SB_ERR_UNAVAILABLE, since: started)
        guard let result, result.0 == SB_OK else {
            instance.update(previous)
            instance.logger.info(
                "configuration change not applied in place; restarting instance",
                metadata: ["reason": "\(result?.1 ?? "no reason given")"])
            return false
        }
        return true
    }

    /// The slug of the suspended tenant that owns an instance ("(default)" for the plugin's
    /// default instance), or nil when the instance is unknown or its tenant is active.
    public func suspendedTenant(plugin: String, instance name: String) -> String? {
        let entry = state.withLock { $0.registry.lookup(plugin: plugin, name: name == "(default)" ? nil : name) }
        guard let entry, entry.tenant.status == .suspended else { return nil }
        return entry.tenant.slug
    }

    /// The registry entry (instance and tenant records) a route resolves to, from memory;
    /// `instance` nil means the plugin's default instance.
    public func resolve(plugin: String, instance name: String?) -> ResolvedInstance? {
        state.withLock { $0.registry.lookup(plugin: plugin, name: name) }
    }

    /// The registry entry of an instance by id, from memory.
    public func registryEntry(id: String) -> ResolvedInstance? { state.withLock { $0.registry.entry(id: id) } }

    /// The running instance for a registry id, starting it now if it may run but has not
    /// started (lazy start). Nil when it may not run or refused to start.
    /// A refused first-use start is not retried for ten seconds, so a broken configuration
    /// cannot turn every request into a start attempt.
    func runningOrStart(id: String) async -> RuntimeInstance? {
        if let running = runningInstance(id: id) { return running }
        guard configuration.lazyStart else { return nil }
        let now = ContinuousClock.now
        let entry = state.withLock { state -> RegistryIndex.Entry? in
            if let failed = state.startFailures[id], now - failed < .seconds(10) { return nil }
            return state.registry.entry(id: id)
        }
        guard let entry, entry.isServable, plugin(named: entry.instance.plugin) != nil else { return nil }
        do {
            try await changes.withLock { try await self.syncInstance(id: id, force: false, startNow: true) }
        } catch {
            state.withLock { $0.startFailures[id] = now }
            logger.error(
                "instance failed to start on first use",
                metadata: ["instance": "\(entry.instance.name)", "error": "\(error)"])
        }
        return runningInstance(id: id)
    }

    // MARK: - Secrets

    /// Secrets sealed and opened with the host's master key.
    public var secrets: InstanceSecrets { InstanceSecrets(box: environment.secretBox, logger: logger) }

    /// The instance's decrypted secrets (see ``InstanceSecrets/open(_:)``).
    public func storedSecrets(_ record: InstanceRecord) -> [String: Any] { secrets.open(record) }

    /// Encrypt secrets for storage; nil when there are none.
    public func sealSecrets(_ values: [String: Any]) throws -> [UInt8]? { try secrets.seal(values) }

    /// Names of the settings the plugin's schema marks as secret (`writeOnly`).
    public func secretNames(plugin: String) -> Set<String> {
        manifest(of: plugin).map { SecretSettings.names(inSchema: $0.settingsSchema) } ?? []
    }

    /// The running instance for a registry id, if any.
    func runningInstance(id: String) -> RuntimeInstance? { state.withLock { $0.instances[id] } }
}
