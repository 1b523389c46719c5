import Foundation
import SwitchboardPostgres
import Testing

@testable import SwitchboardStorage

@Suite("HostDatabase")
struct HostDatabaseTests {
    /// A new, migrated host database on `backend` with a hand-moved clock.
    private func withHost(_ backend: SQLBackend, _ body: (HostDatabase, ManualClock) throws -> Void) throws {
        let clock = ManualClock()
        try body(try Backends.hostDatabase(backend, now: clock.now), clock)
    }

    @Test("the registry migrations apply once; opening again applies nothing", arguments: Backends.all)
    func reopen(backend: SQLBackend) throws {
        try withHost(backend) { host, _ in
            #expect(try Migrator.appliedMigrations(in: host.connection) == HostDatabase.migrations.map(\.name))
            let tenant = try host.createTenant(slug: "acme", name: "Acme")
            let reopened = try HostDatabase(database: host.connection, description: "again", logger: quietLogger)
            #expect(try reopened.tenant(id: tenant.id) == tenant)
            #expect(try Migrator.appliedMigrations(in: reopened.connection) == HostDatabase.migrations.map(\.name))
        }
    }

    @Test("opens host.sqlite with the registry migrations applied, once")
    func migrations() throws {
        try withTemporaryDirectory { dir in
            let host = try HostDatabase(dataDirectory: dir, logger: quietLogger)
            #expect(host.path == dir + "/host.sqlite")
            #expect(try Migrator.appliedMigrations(in: host.connection) == HostDatabase.migrations.map(\.name))
            let tenant = try host.createTenant(slug: "acme", name: "Acme")
            let reopened = try HostDatabase(dataDirectory: dir, logger: quietLogger)
            #expect(try reopened.tenant(id: tenant.id) == tenant)
            #expect(try Migrator.appliedMigrations(in: reopened.connection) == HostDatabase.migrations.map(\.name))
        }
    }

    @Test("tenants: create, look up, list, change status; slugs are unique and validated", arguments: Backends.all)
    func tenants(backend: SQLBackend) throws {
        try withHost(backend) { host, clock in
            let acme = try host.createTenant(slug: "acme", name: "Acme Inc.")
            #expect(acme.id.hasPrefix("ten_") && acme.id.count == 36)
            #expect(acme.status == .active)
            #expect(acme.createdAt == clock.now() && acme.updatedAt == acme.createdAt)
            clock.advance(byMilliseconds: 10)
            let globex = try host.createTenant(slug: "globex", name: "Globex")
            #expect(globex.id != acme.id)
            #expect(try host.tenant(slug: "acme") == acme)
            #expect(try host.tenant(id: globex.id) == globex)
            #expect(try host.tenant(id: "ten_missing") == nil)
            #expect(try host.listTenants().map(\.slug) == ["acme", "globex"])

            let duplicate = expectStorageError(.conflict) { try host.createTenant(slug: "acme", name: "Other") }
            #expect(duplicate?.message.contains("acme") == true)
            expectStorageError(.invalidArgument) { try host.createTenant(slug: "../evil", name: "x") }
            expectStorageError(.invalidArgument) { try host.createTenant(slug: "Upper", name: "x") }
            expectStorageError(.invalidArgument) { try host.createTenant(slug: "ok", name: "") }

            clock.advance(byMilliseconds: 5)
            let suspended = try host.updateTenantStatus(id: acme.id, status: .suspended)
            #expect(suspended.status == .suspended)
            #expect(suspended.updatedAt == acme.createdAt + 15)
            #expect(try host.tenant(id: acme.id)?.status == .suspended)
            expectStorageError(.notFound) { try host.updateTenantStatus(id: "ten_missing", status: .active) }
            // The schema itself refuses unknown statuses.
            expectStorageError(.conflict) {
                try host.connection.run("UPDATE tenants SET status = 'deleted' WHERE id = ?1", [.text(acme.id)])
            }
        }
    }

    @Test("instances: create, look up, list, update, delete", arguments: Backends.all)
    func instances(backend: SQLBackend) throws {
        try withHost(backend) { host, clock in
            let acme = try host.createTenant(slug: "acme", name: "Acme")
            let globex = try host.createTenant(slug: "globex", name: "Globex")
            let main = try host.createInstance(
                tenantId: acme.id, plugin: "sms", name: "main", isDefault: true, settings: #"{"from":"+100"}"#,
                secrets: [1, 2, 3])
            #expect(main.id.hasPrefix("ins_"))
            let support = try host.createInstance(tenantId: acme.id, plugin: "webchat", name: "support", enabled: false)
            let other = try host.createInstance(tenantId: globex.id, plugin: "sms", name: "globex-sms")

            #expect(try host.instance(id: main.id) == main)
            #expect(try host.instance(plugin: "sms", name: "main") == main)
            #expect(try host.instance(plugin: "webchat", name: "main") == nil)
            #expect(try host.defaultInstance(plugin: "sms") == main)
            #expect(try host.defaultInstance(plugin: "webchat") == nil)
            #expect(try host.listInstances().map(\.name) == ["globex-sms", "main", "support"])
            #expect(try host.listInstances(tenantId: acme.id).map(\.name) == ["main", "support"])
            #expect(try host.listInstances(plugin: "sms").map(\.name) == ["globex-sms", "main"])
            #expect(try host.listInstances(tenantId: globex.id, plugin: "webchat").isEmpty)
            #expect(support.enabled == false && support.settings == "{}" && support.secrets == nil)

            clock.advance(byMilliseconds: 7)
            let updated = try host.updateInstance(id: main.id, settings: #"{"from":"+200"}"#, enabled: false)
            #expect(updated.settings == #"{"from":"+200"}"#)
            #expect(updated.enabled == false)
            #expect(updated.isDefault == true)  // untouched
            #expect(updated.secrets == [1, 2, 3])  // kept
            #expect(updated.updatedAt == main.createdAt + 7)
            #expect(try host.updateInstance(id: main.id, secrets: .set([9])).secrets == [9])
            #expect(try host.updateInstance(id: main.id, secrets: .clear).secrets == nil)
            // Moving the default: unset it here, then set it there.
            try host.updateInstance(id: main.id, isDefault: false)
            try host.updateInstance(id: other.id, isDefault: true)
            #expect(try host.defaultInstance(plugin: "sms")?.id == other.id)

            expectStorageError(.invalidArgument) { try host.updateInstance(id: main.id, settings: "not json") }
            expectStorageError(.invalidArgument) { try host.updateInstance(id: main.id, settings: "[1]") }
            expectStorageError(.notFound) { try host.updateInstance(id: "ins_missing", enabled: true) }

            try host.deleteInstance(id: support.id)
            #expect(try host.instance(id: support.id) == nil)
            expectStorageError(.notFound) { try host.deleteInstance(id: support.id) }
        }
    }

    @Test("instance names are unique per plugin and each plugin has at most one default", arguments: Backends.all)
    func instanceConstraints(backend: SQLBackend) throws {
        try withHost(backend) { host, _ in
            let acme = try host.createTenant(slug: "acme", name: "Acme")
            let globex = try host.createTenant(slug: "globex", name: "Globex")
            let first = try host.createInstance(tenantId: acme.id, plugin: "sms", name: "main", isDefault: true)
            // Same name, same plugin: refused even for another tenant.
            let taken = expectStorageError(.conflict) {
                try host.createInstance(tenantId: globex.id, plugin: "sms", name: "main")
            }
            #expect(taken?.message.contains("main") == true)
            // Same name, another plugin: fine.
            _ = try host.createInstance(tenantId: acme.id, plugin: "webchat", name: "main", isDefault: true)
            // A second default for sms: refused on create and on update.
            expectStorageError(.conflict) {
                try host.createInstance(tenantId: globex.id, plugin: "sms", name: "backup", isDefault: true)
            }
            let backup = try host.createInstance(tenantId: globex.id, plugin: "sms", name: "backup")
            expectStorageError(.conflict) { try host.updateInstance(id: backup.id, isDefault: true) }
            #expect(try host.defaultInstance(plugin: "sms")?.id == first.id)
            // The schema enforces both rules even past the API's checks.
            expectStorageError(.conflict) {
                try host.connection.run("UPDATE channel_instances SET is_default = 1 WHERE id = ?1", [.text(backup.id)])
            }
            expectStorageError(.conflict) {
                try host.connection.run("UPDATE channel_instances SET name = 'main' WHERE id = ?1", [.text(backup.id)])
            }
            // Bad input.
            expectStorageError(.notFound) { try host.createInstance(tenantId: "ten_missing", plugin: "sms", name: "x") }
            expectStorageError(.invalidArgument) {
                try host.createInstance(tenantId: acme.id, plugin: "sms", name: "a/b")
            }
            expectStorageError(.invalidArgument) {
                try host.createInstance(tenantId: acme.id, plugin: "sms", name: "x", settings: "{broken")
            }
            #expect(try host.listInstances().count == 3)
        }
    }
}

@Suite("Registry changes on PostgreSQL")
struct RegistryNotifyTests {
    @Test(
        "a committed registry write is announced with NOTIFY; a rolled-back one is not",
        arguments: Backends.all.filter { $0 == .postgres })
    func notify(backend: SQLBackend) async throws {
        let postgres = try #require(try Backends.open(backend) as? PostgresSQLDatabase)
        let host = try HostDatabase(database: postgres, description: "notify", logger: quietLogger)
        let heard = Heard()
        let listener = try postgres.listen(channel: host.changeChannel) { heard.add() }
        defer { listener.close() }
        // The listener announces itself once connected; wait for that, then count from there.
        #expect(await heard.waitFor(1))
        struct Abort: Error {}
        _ = try? host.connection.transaction { () throws -> Void in
            _ = try host.createTenant(slug: "never", name: "Never")
            throw Abort()
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(heard.count == 1, "a rolled-back write announced nothing")
        _ = try host.createTenant(slug: "acme", name: "Acme")
        #expect(await heard.waitFor(2), "the committed write was announced")
    }
}

/// Counts notifications from the listener's task.
final class Heard: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var count: Int { lock.withLock { value } }
    func add() { lock.withLock { value += 1 } }
    func waitFor(_ target: Int) async -> Bool {
        for _ in 0..<100 {
            if count >= target { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
