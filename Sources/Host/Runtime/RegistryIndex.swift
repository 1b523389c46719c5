import SwitchboardStorage

/// An instance record with its tenant: what a request for an instance is bound to. Immutable;
/// a change to either record makes a new one.
public final class ResolvedInstance: Sendable {
    public let instance: InstanceRecord
    public let tenant: TenantRecord

    init(instance: InstanceRecord, tenant: TenantRecord) {
        self.instance = instance
        self.tenant = tenant
    }

    /// The instance may run: enabled, and its tenant active.
    public var isServable: Bool { instance.enabled && tenant.status == .active }
}

/// The registry in memory: every tenant and instance record, indexed for request routing, so a
/// webhook is bound to its tenant and instance configuration without touching storage. Lookups
/// are two dictionary reads and return a shared object (no record is copied).
/// A plain value: the runtime keeps it current on every registry change it applies.
struct RegistryIndex: Sendable {
    typealias Entry = ResolvedInstance

    private(set) var tenants: [String: TenantRecord] = [:]
    private(set) var instances: [String: InstanceRecord] = [:]
    /// Instance ids by tenant id.
    private var byTenant: [String: Set<String>] = [:]
    /// plugin → instance name → entry (only instances whose tenant is known).
    private var names: [String: [String: Entry]] = [:]
    /// plugin → its default instance's entry.
    private var defaults: [String: Entry] = [:]
    /// Host name (lowercase, no port) → the instance that claims it.
    private var hostnames: [String: Entry] = [:]
    private var entries: [String: Entry] = [:]

    init(tenants: [TenantRecord] = [], instances: [InstanceRecord] = []) {
        for tenant in tenants { self.tenants[tenant.id] = tenant }
        for instance in instances { upsert(instance) }
    }

    /// The instance a route names (or the plugin's default when `name` is nil) with its tenant.
    func lookup(plugin: String, name: String?) -> Entry? {
        guard let name else { return defaults[plugin] }
        return names[plugin]?[name]
    }

    func entry(id: String) -> Entry? { entries[id] }

    /// The instance that claims a request's `Host` header (any case, with or without a port).
    func lookup(hostname host: String) -> Entry? {
        guard !hostnames.isEmpty else { return nil }
        var name = Substring(host)
        if name.hasPrefix("[") { return nil }  // an IPv6 literal is never a claimed name
        if let colon = name.lastIndex(of: ":") { name = name[..<colon] }
        return hostnames[name.lowercased()]
    }

    var instanceCount: Int { instances.count }

    mutating func upsert(_ instance: InstanceRecord) {
        remove(instanceId: instance.id)
        instances[instance.id] = instance
        byTenant[instance.tenantId, default: []].insert(instance.id)
        index(instance)
    }

    mutating func remove(instanceId id: String) {
        guard let old = instances.removeValue(forKey: id) else { return }
        byTenant[old.tenantId]?.remove(id)
        unindex(old)
    }

    /// Add or change a tenant: its instances' entries are rebuilt with the new record.
    mutating func upsert(_ tenant: TenantRecord) {
        tenants[tenant.id] = tenant
        for id in byTenant[tenant.id] ?? [] {
            guard let instance = instances[id] else { continue }
            unindex(instance)
            index(instance)
        }
    }

    /// Forget a tenant and every instance of it.
    mutating func remove(tenantId id: String) {
        tenants[id] = nil
        for instanceId in byTenant[id] ?? [] { remove(instanceId: instanceId) }
        byTenant[id] = nil
    }

    private mutating func index(_ instance: InstanceRecord) {
        guard let tenant = tenants[instance.tenantId] else { return }
        let entry = Entry(instance: instance, tenant: tenant)
        entries[instance.id] = entry
        names[instance.plugin, default: [:]][instance.name] = entry
        if instance.isDefault { defaults[instance.plugin] = entry }
        for hostname in instance.hostnames { hostnames[hostname] = entry }
    }

    private mutating func unindex(_ instance: InstanceRecord) {
        entries[instance.id] = nil
        if names[instance.plugin]?[instance.name]?.instance.id == instance.id { names[instance.plugin]?[instance.name] = nil }
        if defaults[instance.plugin]?.instance.id == instance.id { defaults[instance.plugin] = nil }
        for hostname in instance.hostnames where hostnames[hostname]?.instance.id == instance.id {
            hostnames[hostname] = nil
        }
    }
}
