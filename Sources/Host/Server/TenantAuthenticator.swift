import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardStorage

/// Binds a request to its tenant: a `tenant`-scope API key (`Authorization: Bearer sb_tenant_…`
/// or `X-Switchboard-Key`), or the admin token with `X-Switchboard-Tenant: <id or slug>`. Used by
/// the tenant API and by plugins' tenant routes (`/v1/plugins/…`) before anything else is read.
struct TenantAuthenticator: Sendable {
    let service: AdminService
    let adminToken: String?

    /// Headers that carry the caller's credentials (lowercase): checked here, never forwarded.
    static let credentialHeaders: Set<String> = ["authorization", "x-switchboard-key"]

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

    /// The instance a widget key presented with a plugin request is bound to (`X-Switchboard-Key`
    /// or the `key` query parameter, `sb_widget_…`); nil when none is presented. An unknown or
    /// revoked key is a 401 before anything else happens.
    func widgetInstance(_ request: Request) throws -> String? {
        let header = HTTPField.Name("X-Switchboard-Key").flatMap { request.headers[$0] }
        let presented = [header, request.uri.queryParameters.get("key")].compactMap { $0 }
        guard let key = presented.first(where: { $0.hasPrefix(Self.widgetKeyPrefix) }) else { return nil }
        guard let record = try service.apiKeys.verify(key), record.scope == .widget, let instance = record.instanceId
        else {
            throw Problem(
                status: 401, title: "Unauthorized", detail: "unknown or revoked widget key", field: "key")
        }
        return instance
    }

    static let widgetKeyPrefix = "sb_widget_"

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
