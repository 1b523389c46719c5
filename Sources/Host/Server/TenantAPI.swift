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
            return JSONResponse.make(["items": items.map(service.instanceJSON)])
        }
        registerConversations(on: api)
    }

    /// The active tenant the request's key belongs to (see ``TenantAuthenticator``).
    func authenticate(_ request: Request) throws -> TenantRecord {
        try TenantAuthenticator(service: service, adminToken: adminToken).authenticate(request)
    }
}
