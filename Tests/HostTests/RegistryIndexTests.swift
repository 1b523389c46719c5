import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// The in-memory registry that binds requests to tenants and instances without storage reads.
@Suite("Registry index")
struct RegistryIndexTests {
    static func tenant(_ id: String, _ status: TenantStatus = .active) -> TenantRecord {
        TenantRecord(id: id, slug: id, name: id, status: status, createdAt: 0, updatedAt: 0)
    }

    static func instance(_ id: String, tenant: String, plugin: String = "sms", name: String, isDefault: Bool = false)
        -> InstanceRecord
    {
        InstanceRecord(
            id: id, tenantId: tenant, plugin: plugin, name: name, isDefault: isDefault, enabled: true, settings: "{}",
            secrets: nil, createdAt: 0, updatedAt: 0)
    }

    @Test("looks up by plugin and name or the plugin's default, with the tenant")
    func lookups() {
        var index = RegistryIndex(
            tenants: [Self.tenant("t1"), Self.tenant("t2", .suspended)],
            instances: [
                Self.instance("i1", tenant: "t1", name: "main", isDefault: true),
                Self.instance("i2", tenant: "t2", name: "other"),
                Self.instance("i3", tenant: "t1", plugin: "webchat", name: "main"),
            ])
        #expect(index.lookup(plugin: "sms", name: "main")?.instance.id == "i1")
        #expect(index.lookup(plugin: "sms", name: nil)?.instance.id == "i1")
        #expect(index.lookup(plugin: "webchat", name: "main")?.instance.id == "i3", "names are per plugin")
        #expect(index.lookup(plugin: "webchat", name: nil) == nil, "no default for webchat")
        #expect(index.lookup(plugin: "sms", name: "other")?.isServable == false, "suspended tenant")
        #expect(index.lookup(plugin: "sms", name: "nope") == nil)

        // Renaming moves the name; the old one stops resolving.
        var renamed = Self.instance("i1", tenant: "t1", name: "primary")
        renamed.isDefault = false
        index.upsert(renamed)
        #expect(index.lookup(plugin: "sms", name: "main") == nil)
        #expect(index.lookup(plugin: "sms", name: "primary")?.instance.id == "i1")
        #expect(index.lookup(plugin: "sms", name: nil) == nil, "no longer the default")

        index.remove(tenantId: "t1")
        #expect(index.lookup(plugin: "sms", name: "primary") == nil)
        #expect(index.lookup(plugin: "webchat", name: "main") == nil)
        #expect(index.instanceCount == 1, "the deleted tenant's instances are gone")
    }
}
