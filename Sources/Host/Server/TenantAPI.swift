import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardStorage

/// The tenant API under /v1, for a tenant's own software. Every request is bound to its
/// tenant by a `tenant`-scope API key (`Authorization: Bearer sb_tenant_…` or the
/// `X-Switchboard-Key` header), or by the admin token with `X-Switchboard-Tenant: <id or slug>`,
/// before anything else is read.
struct TenantAPI {
    let service: AdminService
    let store: ConversationStore
    let engine: ConversationEngine
    let adminToken: String?

    func register(on router: Router<HostRequestContext>) {
        let api = router.group("v1")
        api.get("tenant") { request, _ in
            JSONResponse.make(AdminAPIJSON.tenant(try authenticate(request)))
        }
        api.get("instances") { request, _ in
            let tenant = try authenticate(request)
            let items = try service.instances(tenant: tenant.id, plugin: request.uri.queryParameters.get("plugin"))
            return JSONResponse.make(["items": items.map { AdminAPIJSON.instance($0, secrets: service.secrets) }])
        }
        registerConversations(on: api)
    }

    /// The active tenant the request's key belongs to: 401 without a valid key, 403 for a key
    /// of another scope or a suspended tenant.
    func authenticate(_ request: Request) throws -> TenantRecord {
        if let token = adminToken, let key = Self.presentedKey(request),
            AdminAuthMiddleware.constantTimeEqual(Array(key.utf8), Array(token.utf8))
        {
            guard let name = HTTPField.Name("X-Switchboard-Tenant"), let slug = request.headers[name] else {
                throw Problem.badRequest(
                    "with the admin token, name the tenant in X-Switchboard-Tenant", field: "x-switchboard-tenant")
            }
            return try service.tenant(slug)
        }
        guard let key = Self.presentedKey(request) else {
            throw Problem(
                status: 401, title: "Unauthorized",
                detail: "send a tenant API key as Authorization: Bearer sb_tenant_… or X-Switchboard-Key",
                field: "authorization")
        }
        guard let record = try service.apiKeys.verify(key) else {
            throw Problem(
                status: 401, title: "Unauthorized", detail: "unknown or revoked API key", field: "authorization")
        }
        guard record.scope == .tenant else {
            throw Problem(
                status: 403, title: "Forbidden", detail: "a \(record.scope.rawValue) key cannot use the tenant API",
                field: "authorization")
        }
        guard let tenant = try service.database.tenant(id: record.tenantId) else {
            throw Problem(status: 401, title: "Unauthorized", detail: "unknown or revoked API key")
        }
        guard tenant.status == .active else {
            throw Problem(
                status: 403, title: "Tenant Suspended",
                detail: "tenant \(tenant.slug) is suspended; nothing of theirs is processed")
        }
        return tenant
    }

    static func presentedKey(_ request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if let name = HTTPField.Name("X-Switchboard-Key"), let key = request.headers[name], !key.isEmpty {
            return key
        }
        return nil
    }
}
