import Foundation
import Logging
import SwitchboardStorage

/// The admin operations on the registry (tenants, instances, API keys), shared by the admin
/// REST API and the CLI. Inputs are plain values; failures are ``Problem``s (status, field).
///
/// Every write is one registry transaction that also appends to the change log. With a live
/// runtime (inside the server) a change is applied to the running instances before the call
/// returns, and a plugin that refuses a configuration rolls the write back. Without one (the
/// CLI) the running server, if any, applies the change from the change log within a second.
public struct AdminService: Sendable {
    public let database: HostDatabase
    public let catalog: any PluginCatalog
    public let secrets: InstanceSecrets
    public let apiKeys: APIKeys
    public let storage: PluginStorageProvider
    /// The running server's runtime; nil for offline use.
    public let runtime: PluginRuntime?
    /// The running server's cache of assistants, dropped on every assistant write; nil offline.
    public let assistants: AssistantDirectory?

    public init(
        database: HostDatabase, catalog: any PluginCatalog, secrets: InstanceSecrets, apiKeys: APIKeys,
        storage: PluginStorageProvider, runtime: PluginRuntime?, assistants: AssistantDirectory? = nil
    ) {
        self.database = database
        self.catalog = catalog
        self.secrets = secrets
        self.apiKeys = apiKeys
        self.storage = storage
        self.runtime = runtime
        self.assistants = assistants
    }

    // MARK: - Tenants

    public func tenants() throws -> [TenantRecord] { try database.listTenants() }

    /// A tenant by id or slug; 404 when there is none.
    public func tenant(_ key: String) throws -> TenantRecord {
        if let tenant = try findTenant(key) { return tenant }
        throw Problem.notFound("no tenant \(key)")
    }

    public func createTenant(slug: String, name: String?) throws -> TenantRecord {
        try Self.requireSlug(slug, field: "slug")
        if let name { try Self.requireText(name, field: "name") }
        do {
            return try database.createTenant(slug: slug, name: name ?? slug)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict("a tenant with slug \"\(slug)\" exists", field: "slug")
        }
    }

    /// Rename (slug, name) and/or suspend or resume a tenant. Suspending stops its instances
    /// (their routes then answer 403); resuming starts them again.
    public func updateTenant(_ key: String, slug: String?, name: String?, status: String?) async throws
        -> TenantRecord
    {
        let tenant = try tenant(key)
        if let slug { try Self.requireSlug(slug, field: "slug") }
        if let name { try Self.requireText(name, field: "name") }
        var newStatus: TenantStatus?
        if let status {
            guard let parsed = TenantStatus(rawValue: status) else {
                throw Problem.unprocessable("status must be active or suspended", field: "status")
            }
            newStatus = parsed
        }
        let updated: TenantRecord
        do {
            updated = try database.updateTenant(id: tenant.id, slug: slug, name: name, status: newStatus)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict("a tenant with slug \"\(slug ?? "")\" exists", field: "slug")
        }
        try await runtime?.tenantChanged(id: tenant.id)
        return updated
    }

    /// Delete a tenant with its instances, API keys, received messages and plugin storage.
    public func deleteTenant(_ key: String) async throws {
        let tenant = try tenant(key)
        try database.deleteTenant(id: tenant.id)
        try await runtime?.tenantChanged(id: tenant.id)
        try storage.removeTenant(tenant.id)
    }

    // MARK: - Instances

    /// What a new instance is made of.
    public struct NewInstance: Sendable {
        public var tenant: String
        public var plugin: String
        public var name: String
        public var isDefault = false
        public var enabled = true
        /// A JSON object text; secret settings travel here like the others.
        public var settingsJSON = "{}"
        /// Host names whose alias-route requests this instance answers.
        public var hostnames: [String] = []

        public init(tenant: String, plugin: String, name: String) {
            self.tenant = tenant
            self.plugin = plugin
            self.name = name
        }
    }

    /// What an update changes; nil leaves a field as it is.
    public struct InstanceChanges: Sendable {
        public var settingsJSON: String?
        public var enabled: Bool?
        public var isDefault: Bool?
        public var hostnames: [String]?

        public init(
            settingsJSON: String? = nil, enabled: Bool? = nil, isDefault: Bool? = nil, hostnames: [String]? = nil
        ) {
            self.settingsJSON = settingsJSON
            self.enabled = enabled
            self.isDefault = isDefault
            self.hostnames = hostnames
        }
    }

    public func instances(tenant: String?, plugin: String?) throws -> [InstanceRecord] {
        let tenantId = try tenant.map { try findTenant($0)?.id ?? $0 }
        return try database.listInstances(tenantId: tenantId, plugin: plugin)
    }

    /// An instance by id or by `plugin/name`; 404 when there is none.
    /// An instance as operators and tenants see it: masked settings and the channel status its
    /// plugin last published (`channel_status`, null until then).
    public func instanceJSON(_ record: InstanceRecord) -> [String: Any] {
        var object = AdminAPIJSON.instance(record, secrets: secrets)
        let status = try? database.instanceStatus(instanceId: record.id)
        object["channel_status"] =
            status.flatMap { try? JSONSerialization.jsonObject(with: Data($0.json.utf8)) } ?? NSNull()
        object["channel_status_updated_at"] = status.map { $0.updatedAt as Any } ?? NSNull()
        return object
    }

    public func instance(_ key: String) throws -> InstanceRecord {
        if let record = try database.instance(id: key) { return record }
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2, let record = try database.instance(plugin: parts[0], name: parts[1]) { return record }
        throw Problem.notFound("no instance \(key)")
    }

    public func createInstance(_ input: NewInstance) async throws -> InstanceRecord {
        guard let tenant = try findTenant(input.tenant) else {
            throw Problem.unprocessable("no tenant \"\(input.tenant)\"", field: "tenant")
        }
        guard catalog.manifest(of: input.plugin) != nil else {
            throw Problem.unprocessable("plugin \"\(input.plugin)\" is not loaded", field: "plugin")
        }
        try Self.requireSlug(input.name, field: "name")
        let settings = try prepareSettings(input.settingsJSON, plugin: input.plugin, stored: [:])
        let record: InstanceRecord
        do {
            record = try database.createInstance(
                tenantId: tenant.id, plugin: input.plugin, name: input.name, isDefault: input.isDefault,
                enabled: input.enabled, settings: settings.plain, secrets: settings.sealed, hostnames: input.hostnames)
        } catch let error as StorageError where error.code == .conflict {
            if error.message.hasPrefix("hostname") { throw Problem.conflict(error.message, field: "hostnames") }
            throw Problem.conflict(
                "instance name or default already taken for plugin \(input.plugin): \(error.message)", field: "name")
        } catch let error as StorageError where error.code == .invalidArgument && error.message.hasPrefix("hostnames") {
            throw Problem.unprocessable(error.message, field: "hostnames")
        }
        do {
            try await apply(record.id)
        } catch {
            // The plugin refused this configuration: nothing is kept.
            try? database.deleteInstance(id: record.id)
            throw error
        }
        return record
    }

    public func updateInstance(_ key: String, _ changes: InstanceChanges) async throws -> InstanceRecord {
        let record = try instance(key)
        let newSettings = try changes.settingsJSON.map {
            try prepareSettings($0, plugin: record.plugin, stored: secrets.open(record))
        }
        let updated: InstanceRecord
        do {
            updated = try database.updateInstance(
                id: record.id, settings: newSettings?.plain, enabled: changes.enabled, isDefault: changes.isDefault,
                secrets: newSettings.map { $0.sealed.map { .set($0) } ?? .clear } ?? .keep, hostnames: changes.hostnames)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict(error.message, field: error.message.hasPrefix("hostname") ? "hostnames" : "is_default")
        } catch let error as StorageError where error.code == .invalidArgument && error.message.hasPrefix("hostnames") {
            throw Problem.unprocessable(error.message, field: "hostnames")
        }
        do {
            try await apply(record.id)
        } catch {
            // The plugin refused the new configuration: the old one stays, stored and running.
            _ = try? database.updateInstance(
                id: record.id, settings: record.settings, enabled: record.enabled, isDefault: record.isDefault,
                secrets: record.secrets.map { .set($0) } ?? .clear, hostnames: record.hostnames)
            throw error
        }
        return updated
    }

    public func deleteInstance(_ key: String) async throws {
        let record = try instance(key)
        try database.deleteInstance(id: record.id)
        try await runtime?.instanceChanged(id: record.id)
    }

    /// Re-inject the stored configuration into the running instance.
    public func reloadInstance(_ key: String) async throws -> InstanceRecord {
        let record = try instance(key)
        try await apply(record.id, force: true)
        return record
    }

    // MARK: - API keys

    public func createAPIKey(tenant key: String, scope: String, instance: String?) throws -> APIKeys.Created {
        let tenant = try tenant(key)
        guard let scope = APIKeyRecord.Scope(rawValue: scope) else {
            throw Problem.unprocessable("scope must be tenant or widget", field: "scope")
        }
        var instanceId: String?
        if let instance {
            guard let record = try? self.instance(instance), record.tenantId == tenant.id else {
                throw Problem.unprocessable("no instance \(instance) for tenant \(tenant.slug)", field: "instance")
            }
            instanceId = record.id
        } else if scope == .widget {
            throw Problem.unprocessable("a widget key names its instance", field: "instance")
        }
        return try apiKeys.create(tenantId: tenant.id, scope: scope, instanceId: instanceId)
    }

    public func apiKeys(tenant key: String) throws -> [APIKeyRecord] {
        try database.listAPIKeys(tenantId: try tenant(key).id)
    }

    public func revokeAPIKey(tenant key: String, id: String) throws {
        let tenant = try tenant(key)
        do {
            try database.revokeAPIKey(id: id, tenantId: tenant.id)
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound("no API key \(id) for tenant \(tenant.slug)")
        }
    }

    // MARK: - Helpers

    private func findTenant(_ key: String) throws -> TenantRecord? {
        try database.tenant(id: key) ?? database.tenant(slug: key)
    }

    /// Check submitted settings (with the secrets they keep) against the plugin's schema, then
    /// split them into the plain settings stored as JSON and the secrets stored sealed.
    private func prepareSettings(_ submittedJSON: String, plugin: String, stored: [String: Any]) throws -> (
        plain: String, sealed: [UInt8]?
    ) {
        let schema = catalog.manifest(of: plugin)?.settingsSchema
        let (plain, secretValues) = SecretSettings.split(
            SecretSettings.object(submittedJSON), secretNames: schema.map(SecretSettings.names(inSchema:)) ?? [],
            stored: stored)
        if let schema,
            let violation = SettingsSchema(json: schema).validate(
                settingsJSON: SecretSettings.json(plain.merging(secretValues) { $1 }))
        {
            throw Problem.unprocessable(violation.description, field: violation.field)
        }
        return (SecretSettings.json(plain), try secrets.seal(secretValues))
    }

    /// Bring the running instance in line with the registry; a plugin's refusal becomes a 422
    /// that carries the plugin's reason.
    private func apply(_ id: String, force: Bool = false) async throws {
        guard let runtime else { return }
        do {
            try await runtime.instanceChanged(id: id, force: force)
        } catch let error as InstanceStartError {
            throw Problem(
                status: 422, title: "Configuration Refused", detail: error.description, field: "settings",
                extra: ["plugin": error.plugin, "plugin_status": error.status])
        }
    }

    static func requireSlug(_ value: String, field: String) throws {
        let bytes = Array(value.utf8)
        let valid =
            (1...63).contains(bytes.count)
            && bytes.enumerated().allSatisfy { index, byte in
                (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || (index > 0 && byte == UInt8(ascii: "-"))
            }
        guard valid else { throw Problem.unprocessable("\(field) must match [a-z0-9][a-z0-9-]{0,62}", field: field) }
    }

    static func requireText(_ value: String, field: String, maxLength: Int = 200) throws {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Problem.unprocessable("\(field) must not be empty", field: field)
        }
        guard value.count <= maxLength else {
            throw Problem.unprocessable("\(field) is longer than \(maxLength) characters", field: field)
        }
    }
}

/// Instance secrets: sealed for storage, opened only to inject them into the plugin instance.
public struct InstanceSecrets: Sendable {
    let box: SecretBox
    let logger: Logger

    public init(box: SecretBox, logger: Logger) {
        self.box = box
        self.logger = logger
    }

    /// The instance's decrypted secrets (empty when it has none or they cannot be opened, which
    /// is logged: a wrong master key must not take the instance's other settings down with it).
    public func open(_ record: InstanceRecord) -> [String: Any] {
        open(record.secrets, owner: ["instance": "\(record.name)"])
    }

    /// Sealed JSON secrets (an instance's, an assistant's agent key) opened into an object; empty
    /// when there are none or they cannot be opened, which is logged naming `owner`.
    public func open(_ sealed: [UInt8]?, owner: Logger.Metadata) -> [String: Any] {
        guard let sealed, !sealed.isEmpty else { return [:] }
        do {
            let plain = try box.open(sealed)
            return (try JSONSerialization.jsonObject(with: Data(plain))) as? [String: Any] ?? [:]
        } catch {
            logger.error("cannot decrypt secrets; check the master key", metadata: owner)
            return [:]
        }
    }

    /// Encrypt secrets for storage; nil when there are none.
    public func seal(_ secrets: [String: Any]) throws -> [UInt8]? {
        guard !secrets.isEmpty else { return nil }
        return try box.seal(Array(SecretSettings.json(secrets).utf8))
    }
}
