import Foundation
import Hummingbird
import Logging
import SwitchboardStorage

/// The admin REST API under /admin/v1 (plugins, tenants, instances).
struct AdminAPI {
    let runtime: PluginRuntime
    let apiKeys: APIKeys
    let logger: Logger

    var database: HostDatabase { runtime.database }

    func register(on router: Router<HostRequestContext>, token: String?) {
        let admin = router.group("admin/v1").add(middleware: AdminAuthMiddleware(token: token.map { Array($0.utf8) }))
        admin.get("plugins") { _, _ in JSONResponse.encode(["plugins": runtime.plugins()]) }
        admin.post("plugins/load") { request, context in try await loadPlugin(request, context) }
        admin.get("tenants") { request, _ in
            let page = try Page(request).slice(try database.listTenants(), id: \.id)
            return JSONResponse.make([
                "items": page.items.map(Self.json), "next_cursor": page.next.map { $0 as Any } ?? NSNull(),
            ])
        }
        admin.post("tenants") { request, context in try await createTenant(request, context) }
        admin.get("tenants/:tenant") { _, context in JSONResponse.make(Self.json(try requireTenant(path: context))) }
        admin.patch("tenants/:tenant") { request, context in try await updateTenant(request, context) }
        admin.post("tenants/:tenant/api-keys") { request, context in try await createAPIKey(request, context) }
        admin.get("tenants/:tenant/api-keys") { _, context in
            let tenant = try requireTenant(path: context)
            return JSONResponse.make(["items": try database.listAPIKeys(tenantId: tenant.id).map(Self.json)])
        }
        admin.delete("tenants/:tenant/api-keys/:id") { _, context in
            let tenant = try requireTenant(path: context)
            let id = context.parameters.get("id") ?? ""
            do {
                try database.revokeAPIKey(id: id, tenantId: tenant.id)
            } catch let error as StorageError where error.code == .notFound {
                throw Problem.notFound("no API key \(id) for tenant \(tenant.slug)")
            }
            return Response(status: .noContent)
        }
        admin.get("instances") { request, _ in
            var tenant = request.uri.queryParameters.get("tenant")
            if let key = tenant { tenant = try self.tenant(idOrSlug: key)?.id ?? key }
            let plugin = request.uri.queryParameters.get("plugin")
            let page = try Page(request).slice(try database.listInstances(tenantId: tenant, plugin: plugin), id: \.id)
            return JSONResponse.make([
                "items": page.items.map(instanceJSON), "next_cursor": page.next.map { $0 as Any } ?? NSNull(),
            ])
        }
        admin.post("instances") { request, context in try await createInstance(request, context) }
        admin.get("instances/:id") { _, context in JSONResponse.make(instanceJSON(try requireInstance(context))) }
        admin.patch("instances/:id") { request, context in try await updateInstance(request, context) }
        admin.delete("instances/:id") { _, context in
            let record = try requireInstance(context)
            try database.deleteInstance(id: record.id)
            try await runtime.instanceChanged(id: record.id)
            return Response(status: .noContent)
        }
        admin.post("instances/:id/reload") { _, context in
            let record = try requireInstance(context)
            try await apply(record.id)
            return JSONResponse.make(instanceJSON(record))
        }
        admin.get("instances/:id/messages") { request, context in
            let record = try requireInstance(context)
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100
            let messages = try database.inboundMessages(instanceId: record.id, limit: min(max(limit, 1), 1000))
            return JSONResponse.make(["messages": messages.map(Self.json)])
        }
        admin.post("instances/:id/send") { request, context in
            let record = try requireInstance(context)
            let body = try await request.body.collect(upTo: 1 << 20)
            do {
                let result = try await runtime.send(instanceId: record.id, messageJSON: Array(body.readableBytesView))
                let object = (try? JSONSerialization.jsonObject(with: Data(result))) ?? [String: Any]()
                return JSONResponse.make(["result": object])
            } catch let error as SendError {
                throw Problem(status: 502, title: "Send Failed", detail: error.description)
            }
        }
    }

    // MARK: - Handlers

    private func loadPlugin(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let body = try await JSONBody(request)
        try body.rejectUnknown(["path"])
        let path = try body.string("path")
        do {
            let status = try await runtime.load(path: path)
            return JSONResponse.encode(status, status: 201)
        } catch {
            let status = error.code == .outsidePluginDirectories ? 403 : (error.code == .alreadyLoaded ? 409 : 422)
            var extra = ["file": error.file, "code": error.code.description]
            if let field = error.field { extra["plugin_field"] = field }
            if let expected = error.expected { extra["expected"] = expected }
            if let actual = error.actual { extra["actual"] = actual }
            throw Problem(
                status: status, title: "Plugin Refused", detail: error.description, field: "path", extra: extra)
        }
    }

    private func createTenant(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let body = try await JSONBody(request)
        try body.rejectUnknown(["slug", "name"])
        let slug = try body.string("slug")
        guard Self.isValidSlug(slug) else {
            throw Problem.unprocessable("slug must match [a-z0-9][a-z0-9-]{0,62}", field: "slug")
        }
        let name = try body.optionalString("name") ?? slug
        do {
            let tenant = try database.createTenant(slug: slug, name: name)
            return JSONResponse.make(Self.json(tenant), status: 201)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict("a tenant with slug \"\(slug)\" exists", field: "slug")
        }
    }

    /// `PATCH /tenants/{id or slug}` with `{"status": "active"|"suspended"}`: suspending stops the
    /// tenant's instances (their routes then answer 403); resuming starts them again.
    private func updateTenant(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let tenant = try requireTenant(path: context)
        let body = try await JSONBody(request)
        try body.rejectUnknown(["status"])
        guard let raw = try body.optionalString("status") else { return JSONResponse.make(Self.json(tenant)) }
        guard let status = TenantStatus(rawValue: raw) else {
            throw Problem.unprocessable("status must be active or suspended", field: "status")
        }
        let updated = try database.updateTenantStatus(id: tenant.id, status: status)
        try await runtime.tenantChanged(id: tenant.id)
        return JSONResponse.make(Self.json(updated))
    }

    /// `POST /tenants/{tenant}/api-keys {scope, instance?}`: the key is in this answer only.
    private func createAPIKey(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let tenant = try requireTenant(path: context)
        let body = try await JSONBody(request)
        try body.rejectUnknown(["scope", "instance"])
        guard let scope = APIKeyRecord.Scope(rawValue: try body.string("scope")) else {
            throw Problem.unprocessable("scope must be tenant or widget", field: "scope")
        }
        var instanceId: String?
        if let instance = try body.optionalString("instance") {
            guard let record = try database.instance(id: instance), record.tenantId == tenant.id else {
                throw Problem.unprocessable("no instance \(instance) for tenant \(tenant.slug)", field: "instance")
            }
            instanceId = record.id
        } else if scope == .widget {
            throw Problem.unprocessable("a widget key names its instance", field: "instance")
        }
        let created = try apiKeys.create(tenantId: tenant.id, scope: scope, instanceId: instanceId)
        var object = Self.json(created.record)
        object["key"] = created.key
        return JSONResponse.make(object, status: 201)
    }

    private func createInstance(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let body = try await JSONBody(request)
        try body.rejectUnknown(["tenant", "plugin", "name", "is_default", "enabled", "settings"])
        let tenant = try requireTenant(try body.string("tenant"))
        let plugin = try body.string("plugin")
        guard runtime.manifest(of: plugin) != nil else {
            throw Problem.unprocessable("plugin \"\(plugin)\" is not loaded", field: "plugin")
        }
        let name = try body.string("name")
        guard Self.isValidSlug(name) else {
            throw Problem.unprocessable("name must match [a-z0-9][a-z0-9-]{0,62}", field: "name")
        }
        let settings = try prepareSettings(try body.objectJSON("settings"), plugin: plugin, storedSecrets: [:])
        do {
            let record = try database.createInstance(
                tenantId: tenant.id, plugin: plugin, name: name,
                isDefault: try body.optionalBool("is_default") ?? false,
                enabled: try body.optionalBool("enabled") ?? true, settings: settings.plain, secrets: settings.sealed)
            do {
                try await apply(record.id)
            } catch {
                // The plugin refused this configuration: nothing is kept.
                try? database.deleteInstance(id: record.id)
                throw error
            }
            return JSONResponse.make(instanceJSON(record), status: 201)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict(
                "instance name or default already taken for plugin \(plugin): \(error.message)", field: "name")
        }
    }

    private func updateInstance(_ request: Request, _ context: HostRequestContext) async throws -> Response {
        let record = try requireInstance(context)
        let body = try await JSONBody(request)
        try body.rejectUnknown(["settings", "enabled", "is_default"])
        let newSettings =
            body.has("settings")
            ? try prepareSettings(
                try body.objectJSON("settings"), plugin: record.plugin, storedSecrets: runtime.storedSecrets(record))
            : nil
        let updated: InstanceRecord
        do {
            updated = try database.updateInstance(
                id: record.id, settings: newSettings?.plain,
                enabled: try body.optionalBool("enabled"), isDefault: try body.optionalBool("is_default"),
                secrets: newSettings.map { $0.sealed.map { .set($0) } ?? .clear } ?? .keep)
        } catch let error as StorageError where error.code == .conflict {
            throw Problem.conflict(error.message, field: "is_default")
        }
        do {
            try await apply(record.id)
        } catch {
            // The plugin refused the new configuration: the old one stays, stored and running.
            _ = try? database.updateInstance(
                id: record.id, settings: record.settings, enabled: record.enabled, isDefault: record.isDefault,
                secrets: record.secrets.map { .set($0) } ?? .clear)
            throw error
        }
        return JSONResponse.make(instanceJSON(updated))
    }

    // MARK: - Helpers

    /// Check submitted settings (with the secrets they keep) against the schema, then split them
    /// into the plain settings stored as JSON and the secrets stored sealed.
    private func prepareSettings(_ submittedJSON: String, plugin: String, storedSecrets: [String: Any]) throws -> (
        plain: String, sealed: [UInt8]?
    ) {
        let (plain, secrets) = SecretSettings.split(
            SecretSettings.object(submittedJSON), secretNames: runtime.secretNames(plugin: plugin),
            stored: storedSecrets)
        try checkSettings(SecretSettings.json(plain.merging(secrets) { $1 }), plugin: plugin)
        return (SecretSettings.json(plain), try runtime.sealSecrets(secrets))
    }

    /// Refuse settings that do not fit the plugin's declared schema: 422 naming the field.
    private func checkSettings(_ settings: String, plugin: String) throws {
        guard let manifest = runtime.manifest(of: plugin) else { return }
        if let violation = SettingsSchema(json: manifest.settingsSchema).validate(settingsJSON: settings) {
            throw Problem.unprocessable(violation.description, field: violation.field)
        }
    }

    /// Bring the running instance in line with the registry; a plugin's refusal becomes a 422
    /// that carries the plugin's reason.
    private func apply(_ id: String) async throws {
        do {
            try await runtime.instanceChanged(id: id)
        } catch let error as InstanceStartError {
            throw Problem(
                status: 422, title: "Configuration Refused", detail: error.description, field: "settings",
                extra: ["plugin": error.plugin, "plugin_status": error.status])
        }
    }

    private func requireInstance(_ context: HostRequestContext) throws -> InstanceRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try database.instance(id: id) else { throw Problem.notFound("no instance \(id)") }
        return record
    }

    private func requireTenant(path context: HostRequestContext) throws -> TenantRecord {
        let key = context.parameters.get("tenant") ?? ""
        if let tenant = try tenant(idOrSlug: key) { return tenant }
        throw Problem.notFound("no tenant \(key)")
    }

    private func requireTenant(_ idOrSlug: String) throws -> TenantRecord {
        if let tenant = try tenant(idOrSlug: idOrSlug) { return tenant }
        throw Problem.unprocessable("no tenant \"\(idOrSlug)\"", field: "tenant")
    }

    /// A tenant named by its id or its slug (the admin API accepts either).
    private func tenant(idOrSlug key: String) throws -> TenantRecord? {
        try database.tenant(id: key) ?? database.tenant(slug: key)
    }

    static func isValidSlug(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || (index > 0 && byte == UInt8(ascii: "-"))
        }
    }

    static func json(_ tenant: TenantRecord) -> [String: Any] {
        [
            "id": tenant.id, "slug": tenant.slug, "name": tenant.name, "status": tenant.status.rawValue,
            "created_at": tenant.createdAt, "updated_at": tenant.updatedAt,
        ]
    }

    func instanceJSON(_ record: InstanceRecord) -> [String: Any] {
        // Secrets are never returned: each shows as the mask.
        let settings = SecretSettings.masked(
            SecretSettings.object(record.settings), secrets: runtime.storedSecrets(record))
        return [
            "id": record.id, "tenant_id": record.tenantId, "plugin": record.plugin, "name": record.name,
            "is_default": record.isDefault, "enabled": record.enabled, "settings": settings,
            "running": runtime.runningInstance(id: record.id) != nil,
            "created_at": record.createdAt, "updated_at": record.updatedAt,
        ]
    }

    static func json(_ key: APIKeyRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": key.id, "tenant_id": key.tenantId, "scope": key.scope.rawValue, "prefix": key.prefix,
            "created_at": key.createdAt, "revoked": key.revokedAt != nil,
        ]
        if let instance = key.instanceId { object["instance_id"] = instance }
        if let used = key.lastUsedAt { object["last_used_at"] = used }
        if let revoked = key.revokedAt { object["revoked_at"] = revoked }
        return object
    }

    static func json(_ message: InboundMessageRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": message.id, "external_id": message.externalId, "from": message.sender, "text": message.text,
            "received_at": message.receivedAt, "plugin": message.plugin, "instance_id": message.instanceId,
        ]
        if let name = message.senderName { object["from_name"] = name }
        if let key = message.threadKey { object["thread_key"] = key }
        return object
    }
}
