import SwitchboardStorage

/// An instance record with its tenant: what a request for an instance is bound to.
public struct ResolvedInstance: Sendable {
    public var instance: InstanceRecord
    public var tenant: TenantRecord

    /// The instance may run: enabled, and its tenant active.
    public var isServable: Bool { instance.enabled && tenant.status == .active }
}

/// The registry in memory: every tenant and instance record, indexed for request routing, so a
/// webhook is bound to its tenant and instance configuration without touching storage.
/// A plain value: the runtime keeps it current on every registry change it applies.
struct RegistryIndex: Sendable {
    typealias Entry = ResolvedInstance

    private(set) var tenants: [String: TenantRecord] = [:]
    private(set) var instances: [String: InstanceRecord] = [:]
    /// plugin → instance name → instance id.
    private var names: [String: [String: String]] = [:]
    /// plugin → id of its default instance.
    private var defaults: [String: String] = [:]

    init(tenants: [TenantRecord] = [], instances: [InstanceRecord] = []) {
        for tenant in tenants { self.tenants[tenant.id] = tenant }
        for instance in instances { upsert(instance) }
    }

    /// The instance a route names (or the plugin's default) with its tenant.
    func lookup(plugin: String, name: String?) -> Entry? {
        let id = name.map { names[plugin]?[$0] } ?? defaults[plugin]
        guard let id, let instance = instances[id], let tenant = tenants[instance.tenantId] else { return nil }
        return Entry(instance: instance, tenant: tenant)
    }

    func entry(id: String) -> Entry? {
        guard let instance = instances[id], let tenant = tenants[instance.tenantId] else { return nil }
        return Entry(instance: instance, tenant: tenant)
    }

    var instanceCount: Int { instances.count }

    mutating func upsert(_ instance: InstanceRecord) {
        remove(instanceId: instance.id)
        instances[instance.id] = instance
        names[instance.plugin, default: [:]][instance.name] = instance.id
        if instance.isDefault { defaults[instance.plugin] = instance.id }
    }

    mutating func remove(instanceId id: String) {
        guard let old = instances.removeValue(forKey: id) else { return }
        if names[old.plugin]?[old.name] == id { names[old.plugin]?[old.name] = nil }
        if defaults[old.plugin] == id { defaults[old.plugin] = nil }
    }

    mutating func upsert(_ tenant: TenantRecord) { tenants[tenant.id] = tenant }

    /// Forget a tenant and every instance of it.
    mutating func remove(tenantId id: String) {
        tenants[id] = nil
        for instance in instances.values where instance.tenantId == id { remove(instanceId: instance.id) }
    }
}
