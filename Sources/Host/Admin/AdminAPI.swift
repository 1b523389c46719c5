import Foundation
import Hummingbird
import Logging
import SwitchboardStorage

/// The admin REST API under /admin/v1: HTTP in and out around ``AdminService``.
struct AdminAPI {
    let service: AdminService
    let runtime: PluginRuntime
    let logger: Logger

    var database: HostDatabase { service.database }

    func register(on router: Router<HostRequestContext>, token: String?) {
        let admin = router.group("admin/v1").add(middleware: AdminAuthMiddleware(token: token.map { Array($0.utf8) }))
        admin.get("openapi.json") { _, _ in OpenAPIDocument.response() }
        admin.get("plugins") { _, _ in JSONResponse.encode(["plugins": runtime.plugins()]) }
        admin.post("plugins/load") { request, context in try await loadPlugin(request, context) }
        registerTenants(on: admin)
        registerInstances(on: admin)
    }

    private func registerTenants(on admin: RouterGroup<HostRequestContext>) {
        admin.get("tenants") { request, _ in
            let page = try Page(request).slice(try service.tenants(), id: \.id)
            return JSONResponse.make([
                "items": page.items.map(AdminAPIJSON.tenant), "next_cursor": page.next.map { $0 as Any } ?? NSNull(),
            ])
        }
        admin.post("tenants") { request, _ in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["slug", "name"])
            let tenant = try service.createTenant(slug: try body.string("slug"), name: try body.optionalString("name"))
            return JSONResponse.make(AdminAPIJSON.tenant(tenant), status: 201)
        }
        // Everything under a tenant looks the tenant up before reading the request.
        let tenant = admin.group("tenants/:tenant").add(middleware: LookUpFirst { _ = try service.tenant($0.tenant) })
        tenant.get { _, context in JSONResponse.make(AdminAPIJSON.tenant(try service.tenant(context.tenant))) }
        tenant.patch { request, context in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["slug", "name", "status"])
            let tenant = try await service.updateTenant(
                context.tenant, slug: try body.optionalString("slug"), name: try body.optionalString("name"),
                status: try body.optionalString("status"))
            return JSONResponse.make(AdminAPIJSON.tenant(tenant))
        }
        tenant.delete { _, context in
            try await service.deleteTenant(context.tenant)
            return Response(status: .noContent)
        }
        tenant.post("api-keys") { request, context in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["scope", "instance"])
            let created = try service.createAPIKey(
                tenant: context.tenant, scope: try body.string("scope"), instance: try body.optionalString("instance"))
            var object = AdminAPIJSON.apiKey(created.record)
            object["key"] = created.key
            return JSONResponse.make(object, status: 201)
        }
        tenant.get("api-keys") { _, context in
            JSONResponse.make(["items": try service.apiKeys(tenant: context.tenant).map(AdminAPIJSON.apiKey)])
        }
        tenant.delete("api-keys/:id") { _, context in
            try service.revokeAPIKey(tenant: context.tenant, id: context.id)
            return Response(status: .noContent)
        }
        registerAssistant(on: tenant)
    }

    private func registerInstances(on admin: RouterGroup<HostRequestContext>) {
        admin.get("instances") { request, _ in
            let query = request.uri.queryParameters
            let all = try service.instances(tenant: query.get("tenant"), plugin: query.get("plugin"))
            let page = try Page(request).slice(all, id: \.id)
            return JSONResponse.make([
                "items": page.items.map(instanceJSON), "next_cursor": page.next.map { $0 as Any } ?? NSNull(),
            ])
        }
        admin.post("instances") { request, _ in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["tenant", "plugin", "name", "is_default", "enabled", "settings", "hostnames"])
            var input = AdminService.NewInstance(
                tenant: try body.string("tenant"), plugin: try body.string("plugin"), name: try body.string("name"))
            input.isDefault = try body.optionalBool("is_default") ?? false
            input.enabled = try body.optionalBool("enabled") ?? true
            input.settingsJSON = try body.objectJSON("settings")
            input.hostnames = try body.optionalStringArray("hostnames") ?? []
            return JSONResponse.make(instanceJSON(try await service.createInstance(input)), status: 201)
        }
        // Everything under an instance looks the instance up before reading the request.
        let instance = admin.group("instances/:id").add(middleware: LookUpFirst { _ = try service.instance($0.id) })
        instance.get { _, context in JSONResponse.make(instanceJSON(try service.instance(context.id))) }
        instance.patch { request, context in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["settings", "enabled", "is_default", "hostnames"])
            let changes = AdminService.InstanceChanges(
                settingsJSON: body.has("settings") ? try body.objectJSON("settings") : nil,
                enabled: try body.optionalBool("enabled"), isDefault: try body.optionalBool("is_default"),
                hostnames: try body.optionalStringArray("hostnames"))
            return JSONResponse.make(instanceJSON(try await service.updateInstance(context.id, changes)))
        }
        instance.delete { _, context in
            try await service.deleteInstance(context.id)
            return Response(status: .noContent)
        }
        instance.post("reload") { _, context in
            JSONResponse.make(instanceJSON(try await service.reloadInstance(context.id)))
        }
        instance.get("messages") { request, context in
            let record = try service.instance(context.id)
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100
            let messages = try runtime.environment.conversations.recentMessages(
                instanceId: record.id, limit: min(max(limit, 1), 1000))
            return JSONResponse.make(["messages": messages.map(AdminAPIJSON.message)])
        }
        instance.post("send") { request, context in
            let record = try service.instance(context.id)
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

    func instanceJSON(_ record: InstanceRecord) -> [String: Any] {
        var object = service.instanceJSON(record)
        object["running"] = runtime.runningInstance(id: record.id) != nil
        return object
    }
}

/// Looks up what the path names (a tenant, an instance) before the handler reads anything
/// else, so an unknown one is a 404 whatever the body or the query.
struct LookUpFirst: RouterMiddleware {
    typealias Context = HostRequestContext
    let lookUp: @Sendable (HostRequestContext) throws -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try lookUp(context)
        return try await next(request, context)
    }
}

/// `/admin/v1/tenants/{tenant}/assistant…`: profile and agent, prompts, knowledge.
extension AdminAPI {
    func registerAssistant(on tenant: RouterGroup<HostRequestContext>) {
        tenant.get("assistant") { _, context in JSONResponse.make(try service.assistant(context.tenant)) }
        tenant.put("assistant") { request, context in try await updateAssistant(request, context, merge: false) }
        tenant.patch("assistant") { request, context in try await updateAssistant(request, context, merge: true) }
        tenant.post("assistant/reload") { _, context in
            try service.reloadAssistant(context.tenant)
            return JSONResponse.make(["reloaded": true])
        }
        tenant.get("assistant/prompts") { _, context in
            JSONResponse.make(["items": try service.prompts(context.tenant).map(AdminAPIJSON.prompt)])
        }
        tenant.post("assistant/prompts") { request, context in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["content"])
            let prompt = try service.createPrompt(context.tenant, content: try body.string("content"))
            return JSONResponse.make(AdminAPIJSON.prompt(prompt), status: 201)
        }
        tenant.post("assistant/prompts/:id/publish") { _, context in
            JSONResponse.make(AdminAPIJSON.prompt(try service.publishPrompt(context.tenant, id: context.id)))
        }
        tenant.get("assistant/knowledge") { _, context in
            JSONResponse.make(["items": try service.knowledge(context.tenant).map(AdminAPIJSON.knowledge)])
        }
        tenant.post("assistant/knowledge") { request, context in
            let body = try await JSONBody(request)
            try body.rejectUnknown(["title", "text"])
            let item = try service.createKnowledge(
                context.tenant, title: try body.string("title"), text: try body.string("text"))
            return JSONResponse.make(AdminAPIJSON.knowledge(item), status: 201)
        }
        tenant.patch("assistant/knowledge/:id") { request, context in
            // The item is looked up before the body is read, like the tenant: unknown is a 404 whatever the body.
            _ = try service.knowledgeItem(context.tenant, id: context.id)
            let body = try await JSONBody(request)
            try body.rejectUnknown(["title", "text"])
            let item = try service.updateKnowledge(
                context.tenant, id: context.id, title: try body.optionalString("title"),
                text: try body.optionalString("text"))
            return JSONResponse.make(AdminAPIJSON.knowledge(item))
        }
        tenant.delete("assistant/knowledge/:id") { _, context in
            try service.deleteKnowledge(context.tenant, id: context.id)
            return Response(status: .noContent)
        }
    }

    private func updateAssistant(_ request: Request, _ context: HostRequestContext, merge: Bool) async throws
        -> Response
    {
        let body = try await JSONBody(request)
        try body.rejectUnknown(AdminService.assistantFields)
        return JSONResponse.make(try service.updateAssistant(context.tenant, body.object, merge: merge))
    }
}

