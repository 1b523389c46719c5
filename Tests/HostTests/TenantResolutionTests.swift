import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// Tenant resolution first: what a path names (a tenant, an instance, an API key, a prompt, a
/// knowledge item, a conversation, a plugin instance) and the tenant API's key are resolved
/// before anything else about the request is read; an unknown one answers a JSON problem (404,
/// or 401 for a key) whatever the body.
@Suite("Tenant resolution first")
struct TenantResolutionTests {
    let contract: OpenAPIContract

    init() throws {
        contract = try OpenAPIContract()
    }

    /// Bodies that are refused once read: malformed (400), an unknown field (422), too large (413).
    static let refusedBodies: [[UInt8]] = [
        Array("{".utf8), Array(#"{"bogus": true}"#.utf8), Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 10),
    ]

    /// Concrete paths for a documented path, each naming one unknown thing: an unknown tenant;
    /// an unknown instance by id and by plugin/name; an unknown API key, prompt or knowledge item
    /// of a known tenant (`acme`) and of an unknown one.
    static func unknownPaths(_ template: String) -> [String] {
        if template.contains("{tenant}") && template.contains("{id}") {
            return [("acme", "key_nope"), ("nope", "key_nope")].map {
                template.replacing("{tenant}", with: $0.0).replacing("{id}", with: $0.1)
            }
        }
        if template.contains("{tenant}") { return [template.replacing("{tenant}", with: "nope")] }
        return ["ins_nope", "nope%2Fnope"].map { template.replacing("{id}", with: $0) }
    }

    @Test(
        "every documented admin path naming an unknown tenant, instance, API key, prompt or knowledge item answers a 404 problem, whatever the body"
    )
    func unknownInPath() async throws {
        try await RouterHost.run(label: "resolve-admin") { [contract] host in
            #expect(try await host.admin(.POST, "/tenants", json: ["slug": "acme"]).status == 201)
            var walked: Set<String> = []
            for operation in contract.operations where operation.path.hasPrefix("/admin/v1/") {
                guard operation.path.contains("{") else { continue }
                let method = HTTPMethod(rawValue: operation.method)
                let bodies: [[UInt8]?] = ["GET", "DELETE"].contains(operation.method) ? [nil] : Self.refusedBodies
                for path in Self.unknownPaths(operation.path) {
                    for body in bodies {
                        let reply = try await host.send(
                            method, path + "?limit=bogus&cursor=bogus", body: body,
                            headers: [("Authorization", "Bearer \(LiveHost.adminToken)")])
                        #expect(
                            reply.status == 404,
                            "\(operation.method) \(path) (\(body?.count ?? 0) bytes): \(reply.text)")
                        #expect(reply.header("content-type") == "application/problem+json")
                        #expect(contract.violation(reply, method, path) == nil)
                    }
                }
                walked.insert(operation.description)
            }
            #expect(walked.count == 23, "\(walked.sorted())")
        }
    }

    /// A documented tenant API path made concrete: `{id}` is the conversation `id`.
    static func concrete(_ template: String, id: String = "cv_nope") -> String {
        template.replacing("{id}", with: id)
    }

    @Test("every tenant API operation without a valid tenant key answers a 401 problem")
    func tenantAPIWithoutKey() async throws {
        try await RouterHost.run(label: "resolve-tenant-api") { [contract] host in
            let attempts: [[(String, String)]] = [
                [], [("Authorization", "Bearer sb_tenant_nope")], [("X-Switchboard-Key", "sb_tenant_nope")],
                [("Authorization", "Basic c3dpdGNoOmJvYXJk")], [("Authorization", "Bearer ")],
                [("Authorization", "Bearer \(LiveHost.adminToken)x"), ("X-Switchboard-Tenant", "acme")],
            ]
            let operations = contract.operations.filter { $0.path.hasPrefix("/v1/") }
            #expect(operations.count == 8, "\(operations)")
            for operation in operations {
                let method = HTTPMethod(rawValue: operation.method)
                let path = Self.concrete(operation.path)
                for headers in attempts {
                    let body: [UInt8]? = operation.method == "GET" ? nil : Array("{".utf8)
                    let reply = try await host.send(method, path, body: body, headers: headers)
                    #expect(reply.status == 401, "\(operation) with \(headers)")
                    #expect(reply.header("content-type") == "application/problem+json")
                    #expect(contract.violation(reply, method, path) == nil)
                }
            }
        }
    }

    @Test("the admin token opens the tenant API only with X-Switchboard-Tenant: without it a 400 problem, with an unknown tenant a 404")
    func tenantAPIWithAdminToken() async throws {
        try await RouterHost.run(label: "resolve-tenant-admin") { [contract] host in
            #expect(try await host.admin(.POST, "/tenants", json: ["slug": "acme"]).status == 201)
            let token = LiveHost.adminToken
            for operation in contract.operations where operation.path.hasPrefix("/v1/") {
                let method = HTTPMethod(rawValue: operation.method)
                let path = Self.concrete(operation.path)
                for headers in [[("Authorization", "Bearer \(token)")], [("X-Switchboard-Key", token)]] {
                    let reply = try await host.send(method, path, body: nil, headers: headers)
                    #expect(reply.status == 400, "\(operation) with \(headers)")
                    #expect(reply.header("content-type") == "application/problem+json")
                    #expect(reply.json["field"] as? String == "x-switchboard-tenant")
                    #expect(contract.violation(reply, method, path) == nil)
                }
                let unknown = try await host.send(
                    method, path, body: nil,
                    headers: [("Authorization", "Bearer \(token)"), ("X-Switchboard-Tenant", "nope")])
                #expect(unknown.status == 404, "\(operation): \(unknown.text)")
                #expect(contract.violation(unknown, method, path) == nil)
            }
            let own = try await host.send(
                .GET, "/v1/tenant", body: nil,
                headers: [("Authorization", "Bearer \(token)"), ("X-Switchboard-Tenant", "acme")])
            #expect(own.status == 200)
            #expect(own.json["slug"] as? String == "acme")
        }
    }

    @Test(
        "every tenant API path naming an unknown conversation, or another tenant's, answers a 404 problem with a valid key, whatever the body"
    )
    func unknownConversation() async throws {
        try await RouterHost.run(
            label: "resolve-conversations", prepare: { try await Fixtures.compileFixture("probe", into: $0) }
        ) { [contract] host in
            try await host.createInstance(tenant: "globex", plugin: "probe", name: "g")
            _ = try await host.admin(.POST, "/tenants", json: ["slug": "acme"])
            let inbound = #"{"external_id":"r-1","from":"+15550001","text":"hello"}"#
            let delivered = try await host.send(.POST, "/webhook/probe/g/inbound", body: Array(inbound.utf8), headers: [])
            #expect(delivered.status == 200, "\(delivered.text)")
            let globexKey = try #require(
                try await host.admin(.POST, "/tenants/globex/api-keys", json: ["scope": "tenant"]).json["key"] as? String)
            let theirs = try await host.send(
                .GET, "/v1/conversations", body: nil, headers: [("Authorization", "Bearer \(globexKey)")])
            let globexConversation = try #require((theirs.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let key = try #require(
                try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "tenant"]).json["key"] as? String)
            let callers: [[(String, String)]] = [
                [("Authorization", "Bearer \(key)")], [("X-Switchboard-Key", key)],
                [("Authorization", "Bearer \(LiveHost.adminToken)"), ("X-Switchboard-Tenant", "acme")],
            ]
            var walked: Set<String> = []
            for operation in contract.operations where operation.path.hasPrefix("/v1/conversations/{id}") {
                let method = HTTPMethod(rawValue: operation.method)
                let bodies: [[UInt8]?] = operation.method == "GET" ? [nil] : [nil] + Self.refusedBodies.map { Optional($0) }
                for id in ["cv_nope", globexConversation] {
                    let path = Self.concrete(operation.path, id: id)
                    for headers in callers {
                        for body in bodies {
                            let reply = try await host.send(
                                method, path + "?limit=bogus&cursor=bogus", body: body, headers: headers)
                            #expect(
                                reply.status == 404,
                                "\(operation.method) \(path) with \(headers) (\(body?.count ?? 0) bytes): \(reply.text)")
                            #expect(reply.header("content-type") == "application/problem+json")
                            #expect(contract.violation(reply, method, path) == nil)
                        }
                    }
                }
                walked.insert(operation.description)
            }
            #expect(walked.count == 5, "\(walked.sorted())")
        }
    }

    @Test(
        "every plugin route with an unknown instance, and every alias with no default instance, is a 404 problem; no hook runs"
    )
    func pluginRoutes() async throws {
        try await RouterHost.run(
            label: "resolve-plugins",
            prepare: { dir in
                try await Fixtures.compileEcho(into: dir)
                try await Fixtures.compileFixture("probe", into: dir)
            },
            configure: { $0.limits.maxRequestBody = 1024 }
        ) { [contract] host in
            let plugins = try await host.admin(.GET, "/plugins").json["plugins"] as? [[String: Any]] ?? []
            let loaded = plugins.filter { $0["state"] as? String == "loaded" }
            #expect(Set(loaded.compactMap { $0["name"] as? String }).isSuperset(of: ["echo", "probe", "evolution"]))
            // Every plugin has a running instance, none of them a default: routes are live, aliases have no taker.
            for plugin in loaded.compactMap({ $0["name"] as? String }) {
                try await host.createInstance(tenant: "acme", plugin: plugin, name: "live")
            }
            #expect(try await host.admin(.POST, "/tenants", json: ["slug": "globex", "name": "Globex"]).status == 201)
            let before = try await Self.hookCalls(host)
            #expect(!before.isEmpty, "instance starts are counted, so the series exist")
            var aliases = 0
            var tenantRoutes = 0
            for route in loaded.flatMap({ $0["routes"] as? [String] ?? [] }) {
                let (method, path, isAlias) = Self.request(for: route, instance: "no-such-instance")
                aliases += isAlias ? 1 : 0
                let body = method == .GET ? nil : [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
                // Tenant routes (/v1/plugins/…) are reached with a credential: unknown instances,
                // and the live instances of another tenant, do not exist for it.
                var attempts = [(path, [(String, String)]())]
                if path.hasPrefix("/v1/plugins/") {
                    tenantRoutes += 1
                    let admin = ("Authorization", "Bearer \(LiveHost.adminToken)")
                    let live = Self.request(for: route, instance: "live").path
                    attempts = [
                        (path, [admin, ("X-Switchboard-Tenant", "acme")]),
                        (live, [admin, ("X-Switchboard-Tenant", "globex")]),
                    ]
                }
                for (path, headers) in attempts {
                    let reply = try await host.request(method, path, body: body, headers: headers)
                    #expect(reply.status == 404, "\(route) as \(method) \(path): \(reply.text)")
                    #expect(reply.header("content-type") == "application/problem+json", "\(route)")
                    let problem = ["$ref": "#/components/schemas/Problem"]
                    #expect(contract.schemas.firstViolation(of: problem, by: reply.json) == nil, "\(route)")
                }
            }
            #expect(aliases >= 1, "evolution's alias was walked")
            #expect(tenantRoutes >= 1, "the probe's tenant route was walked")
            #expect(try await Self.hookCalls(host) == before, "no plugin hook ran")
            // The check can see a hook run: a known instance's route counts one.
            #expect(try await host.request(.GET, "/webhook/echo/live/health").status == 200)
            #expect(try await Self.hookCalls(host) != before)
        }
    }

    @Test(
        "a plugin route resolves its instance before reading the body: 413 only for a running instance, 403 for a suspended tenant"
    )
    func pluginBodyAfterResolution() async throws {
        try await RouterHost.run(
            label: "resolve-body", prepare: { try await Fixtures.compileEcho(into: $0) },
            configure: { $0.limits.maxRequestBody = 1024 }
        ) { host in
            try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
            let large = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
            #expect(try await host.request(.POST, "/webhook/echo/nope/echo", body: large).status == 404)
            let tooLarge = try await host.request(.POST, "/webhook/echo/e/echo", body: large)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.header("content-type") == "application/problem+json")
            #expect(try await host.request(.POST, "/webhook/echo/e/echo", body: Array("ok".utf8)).text == "ok")
            #expect(try await host.admin(.PATCH, "/tenants/acme", json: ["status": "suspended"]).status == 200)
            let suspended = try await host.request(.POST, "/webhook/echo/e/echo", body: large)
            #expect(suspended.status == 403, "\(suspended.text)")
            #expect(suspended.json["title"] as? String == "Tenant Suspended")
        }
    }

    @Test("over real HTTP, a large body for an unknown instance is a 404 problem and the connection stays usable")
    func liveUnknownInstance() async throws {
        let host = try await LiveHost.start(
            label: "resolve-live",
            prepare: { dir in
                try await Fixtures.compileEcho(into: dir)
            },
            configure: { $0.limits.maxRequestBody = 1024 })
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        let before = try await Self.hookCalls(host)
        let reply = try await host.request(
            .POST, "/webhook/echo/nope/echo", body: [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20))
        #expect(reply.status == 404)
        #expect(reply.header("content-type") == "application/problem+json")
        #expect((reply.json["detail"] as? String ?? "").contains("nope"))
        #expect(try await Self.hookCalls(host) == before)
        #expect(try await host.request(.POST, "/webhook/echo/e/echo", body: Array("ping".utf8)).text == "ping")
    }

    // MARK: - Helpers

    /// A request for a route as `GET /admin/v1/plugins` lists it (`POST /webhook/echo/{instance}/kv/{key}`,
    /// `* /hook/*`): the instance named as given, other parameters and `*` filled in, `*` as a method GET.
    static func request(for route: String, instance: String) -> (method: HTTPMethod, path: String, isAlias: Bool) {
        let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
        let method = parts[0] == "*" ? HTTPMethod.GET : HTTPMethod(rawValue: parts[0])
        let isAlias = !parts[1].contains("{instance}")
        let path = parts[1].replacing("{instance}", with: instance).replacing(#/\{[^}]+\}/#, with: "x")
            .replacing("*", with: "x")
        return (method, path, isAlias)
    }

    /// The `switchboard_plugin_hook_calls_total` lines of /metrics.
    static func hookCalls(_ host: some HostClient) async throws -> [String] {
        let text = try await host.send(.GET, "/metrics", body: nil, headers: []).text
        return text.split(separator: "\n").filter { $0.hasPrefix("switchboard_plugin_hook_calls_total") }.map(
            String.init
        ).sorted()
    }
}
