import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// The OpenAPI document (`Sources/Host/Admin/openapi.json`) is served as it is and tells the
/// truth: every route the host serves is in it, and every operation answers only what it
/// documents (status, content type, body schema).
@Suite("OpenAPI document")
struct OpenAPITests {
    let contract: OpenAPIContract

    init() throws {
        contract = try OpenAPIContract()
    }

    @Test("GET /admin/v1/openapi.json serves the repository file byte for byte, an OpenAPI 3.1.0 document")
    func served() async throws {
        #expect(contract.document["openapi"] as? String == "3.1.0")
        #expect(OpenAPIDocument.bytes == contract.bytes, "the bundled resource is the repository file")
        try await RouterHost.run(label: "openapi-served") { [contract] host in
            let reply = try await host.admin(.GET, "/openapi.json")
            #expect(reply.status == 200)
            #expect(reply.body == contract.bytes)
            #expect(contract.violation(reply, .GET, "/admin/v1/openapi.json") == nil)
            let refused = try await host.request(.GET, "/admin/v1/openapi.json")
            #expect(refused.status == 401)
            #expect(refused.header("www-authenticate") == "Bearer")
            #expect(contract.violation(refused, .GET, "/admin/v1/openapi.json") == nil)
        }
    }

    @Test("every $ref resolves; every operation has a unique operationId, its path parameters and responses")
    func wellFormed() throws {
        var references: [String] = []
        func collect(_ node: Any) {
            if let object = node as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = node as? [Any] {
                array.forEach(collect)
            }
        }
        collect(contract.document)
        #expect(references.count > 50)
        for reference in Set(references).sorted() {
            #expect(throws: Never.self, "\(reference)") { try contract.schemas.resolve(reference) }
        }
        var operationIds: Set<String> = []
        for operation in contract.operations {
            let object = try #require(contract.operation(operation))
            let id = try #require(object["operationId"] as? String, "\(operation)")
            #expect(operationIds.insert(id).inserted, "\(operation): operationId \(id) twice")
            let declared = (object["parameters"] as? [Any] ?? []).compactMap { parameter -> String? in
                var parameter = parameter as? [String: Any] ?? [:]
                if let reference = parameter["$ref"] as? String {
                    parameter = (try? contract.schemas.resolve(reference)) as? [String: Any] ?? [:]
                }
                return parameter["in"] as? String == "path" ? parameter["name"] as? String : nil
            }
            let inPath = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
                String($0.dropFirst().dropLast())
            }
            #expect(declared.sorted() == inPath.sorted(), "\(operation): path parameters")
            let responses = object["responses"] as? [String: Any] ?? [:]
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(operation): no success response")
        }
    }

    @Test("the host serves exactly the documented routes, and none of them answers no-route")
    func routesMatch() async throws {
        try await RouterHost.run(label: "openapi-routes") { [contract] host in
            let served = Set(
                host.server.hostRouter().routes.map {
                    OpenAPIContract.Operation(method: $0.method.rawValue, path: $0.path.description)
                })
            let documented = Set(contract.operations)
            #expect(served.subtracting(documented).sorted() == [], "served but not documented")
            #expect(documented.subtracting(served).sorted() == [], "documented but not served")
            for operation in contract.operations {
                let path = operation.path.replacing(#/\{[a-z_]+\}/#, with: "x")
                let reply = try await host.send(
                    HTTPMethod(rawValue: operation.method), path, body: Array("{}".utf8),
                    headers: [("Authorization", "Bearer \(LiveHost.adminToken)")])
                #expect(
                    reply.json["detail"] as? String != Problem.noRoute(operation.method, path).detail, "\(operation)")
            }
        }
    }

    @Test("a path or method the host does not serve is a 404 problem, plugin paths included")
    func noRoute() async throws {
        try await RouterHost.run(label: "openapi-noroute") { [contract] host in
            let requests: [(HTTPMethod, String)] = [
                (.GET, "/admin/v1/nothing-here"), (.PUT, "/admin/v1/tenants"), (.GET, "/v1/nothing"),
                (.GET, "/nothing"), (.GET, "/webhook/no-plugin/main/health"), (.GET, "/"),
            ]
            for (method, path) in requests {
                let reply = try await host.request(method, path)
                #expect(reply.status == 404, "\(method) \(path)")
                #expect(reply.header("content-type") == "application/problem+json", "\(method) \(path)")
                #expect(reply.json["detail"] as? String == Problem.noRoute(method.rawValue, path).detail)
                let problem = ["$ref": "#/components/schemas/Problem"]
                #expect(contract.schemas.firstViolation(of: problem, by: reply.json) == nil)
            }
        }
    }

    @Test("without an admin token every admin operation answers 503 as documented")
    func adminDisabled() async throws {
        try await RouterHost.run(label: "openapi-disabled", configure: { $0.adminToken = nil }) { [contract] host in
            for operation in contract.operations where operation.path.hasPrefix("/admin/v1/") {
                let path = operation.path.replacing(#/\{[a-z_]+\}/#, with: "x")
                let reply = try await host.admin(HTTPMethod(rawValue: operation.method), String(path.dropFirst(9)))
                #expect(reply.status == 503, "\(operation)")
                #expect(contract.violation(reply, HTTPMethod(rawValue: operation.method), path) == nil)
            }
        }
    }

    @Test("before start-up finishes /readyz answers 503 as documented")
    func starting() async throws {
        let (server, data, plugins) = try await LiveHost.makeServer(label: "openapi-starting")
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: plugins)
        }
        try await server.application().test(.router) { [contract] client in
            let reply = try await RouterHost(server: server, client: client).request(.GET, "/readyz")
            #expect(reply.status == 503)
            #expect(contract.violation(reply, .GET, "/readyz") == nil)
        }
        await server.shutdown()
    }

    @Test("an unexpected failure is a 500 problem, and counted in the metrics")
    func unexpectedFailure() async throws {
        struct Failing: HTTPResponder {
            struct Failure: Error {}
            func respond(to request: Request, context: HostRequestContext) async throws -> Response { throw Failure() }
        }
        let (server, data, plugins) = try await LiveHost.makeServer(label: "openapi-failure")
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: plugins)
        }
        var quiet = Logger(label: "test.openapi-failure")
        quiet.logLevel = .critical
        let app = Application(
            responder: HostResponder(
                runtime: server.runtime, hostRoutes: Failing(), limits: RuntimeLimits(),
                tenantAuth: TenantAuthenticator(service: server.admin, adminToken: nil)),
            logger: quiet)
        try await app.test(.router) { [contract] client in
            let reply = try await RouterHost(server: server, client: client).request(.GET, "/admin/v1/tenants")
            #expect(reply.status == 500)
            #expect(reply.header("content-type") == "application/problem+json")
            #expect(
                contract.schemas.firstViolation(of: ["$ref": "#/components/schemas/Problem"], by: reply.json) == nil)
        }
        let metrics = String(decoding: server.runtime.metrics.exposition(), as: UTF8.self)
        #expect(metrics.contains(#"switchboard_http_requests_total{method="GET",status="500"} 1"#), "\(metrics)")
        await server.shutdown()
    }

    @Test("every operation, its success and its main errors, answers as documented on a live host")
    func liveOperations() async throws {
        let host = try await LiveHost.start(label: "openapi-live") { dir in
            try await Fixtures.compileEcho(into: dir)
            try await Fixtures.compileFixture("probe", into: dir)
        }
        defer { Task { await host.stop() } }
        let walk = OperationWalk(host: host, contract: contract)
        try await walk.hostAndPlugins()
        try await walk.tenants()
        let instances = try await walk.instances()
        try await walk.apiKeys(instance: instances.echo)
        try await walk.assistant()
        try await walk.conversations(probe: instances.probe, otherTenantsInstance: instances.echo)
        #expect(contract.uncovered == [], "operations no reply covered")
    }
}

/// The live walk over every operation: each call states the status it expects, and each reply
/// is held to the document.
private struct OperationWalk {
    let host: LiveHost
    let contract: OpenAPIContract
    static let admin = "/admin/v1"
    static let huge = Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 10)

    /// Send (admin token on admin paths unless `headers` say otherwise), expect `status`, check
    /// the reply against the document.
    @discardableResult
    func call(
        _ method: HTTPMethod, _ path: String, json: Any? = nil, body: [UInt8]? = nil,
        headers: [(String, String)]? = nil, expect status: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LiveHost.Reply {
        let bytes = try body ?? json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        let auth = path.hasPrefix(Self.admin) ? [("Authorization", "Bearer \(LiveHost.adminToken)")] : []
        let reply = try await host.request(method, path, body: bytes, headers: headers ?? auth)
        #expect(reply.status == status, "\(method) \(path): \(reply.text)", sourceLocation: sourceLocation)
        let violation = contract.violation(reply, method, path)
        #expect(violation == nil, sourceLocation: sourceLocation)
        return reply
    }

    func hostAndPlugins() async throws {
        let a = Self.admin
        try await call(.GET, "/healthz", expect: 200)
        try await call(.GET, "/readyz", expect: 200)
        try await call(.GET, "/metrics", expect: 200)
        try await call(.GET, a + "/openapi.json", expect: 200)
        try await call(.GET, a + "/openapi.json", headers: [("Authorization", "Bearer wrong")], expect: 401)
        try await call(.GET, a + "/plugins", expect: 200)

        let hello = try await Fixtures.compileFixture("hello", into: host.pluginDirectory)
        let loaded = try await call(.POST, a + "/plugins/load", json: ["path": hello], expect: 201)
        #expect(loaded.json["name"] as? String == "hello")
        let again = try await call(.POST, a + "/plugins/load", json: ["path": hello], expect: 409)
        #expect(again.json["code"] as? String == "already_loaded")
        let outside = try await call(.POST, a + "/plugins/load", json: ["path": "/etc/hostname"], expect: 403)
        #expect(outside.json["field"] as? String == "path")
        let junk = host.pluginDirectory + "/libjunk.so"
        try FileManager.default.copyItem(atPath: Fixtures.pluginSources + "/not_a_library.txt", toPath: junk)
        let refused = try await call(.POST, a + "/plugins/load", json: ["path": junk], expect: 422)
        #expect(refused.json["file"] as? String != nil)
        try await call(.POST, a + "/plugins/load", json: ["path": hello, "force": true], expect: 422)
        try await call(.POST, a + "/plugins/load", body: Array("{".utf8), expect: 400)
        try await call(.POST, a + "/plugins/load", body: Self.huge, expect: 413)
        let plugins = try await call(.GET, a + "/plugins", expect: 200)
        #expect(plugins.text.contains(#""state":"failed""#), "the refused file is listed")
    }

    func tenants() async throws {
        let a = Self.admin
        let acme = try await call(.POST, a + "/tenants", json: ["slug": "acme", "name": "Acme"], expect: 201)
        try await call(.POST, a + "/tenants", json: ["slug": "globex"], expect: 201)
        try await call(.POST, a + "/tenants", json: ["slug": "acme"], expect: 409)
        try await call(.POST, a + "/tenants", json: ["slug": "Not A Slug"], expect: 422)
        try await call(.POST, a + "/tenants", json: ["slug": "x", "colour": "red"], expect: 422)
        try await call(.POST, a + "/tenants", body: Array("{\"slug\":".utf8), expect: 400)
        try await call(.POST, a + "/tenants", body: Self.huge, expect: 413)

        let first = try await call(.GET, a + "/tenants?limit=1", expect: 200)
        let cursor = try #require(first.json["next_cursor"] as? String)
        let last = try await call(.GET, a + "/tenants?limit=5&cursor=\(cursor)", expect: 200)
        #expect(last.json["next_cursor"] is NSNull)
        try await call(.GET, a + "/tenants?limit=0", expect: 422)
        try await call(.GET, a + "/tenants?cursor=ten_nope", expect: 422)

        try await call(.GET, a + "/tenants/acme", expect: 200)
        try await call(.GET, a + "/tenants/\(acme.json["id"] as? String ?? "")", expect: 200)
        try await call(.GET, a + "/tenants/nope", expect: 404)
        try await call(.PATCH, a + "/tenants/globex", json: ["name": "Globex Corporation"], expect: 200)
        try await call(.PATCH, a + "/tenants/globex", json: ["slug": "acme"], expect: 409)
        try await call(.PATCH, a + "/tenants/globex", json: ["status": "paused"], expect: 422)
        try await call(.PATCH, a + "/tenants/globex", body: Array("[]".utf8), expect: 400)
        try await call(.PATCH, a + "/tenants/globex", body: Self.huge, expect: 413)
        try await call(.PATCH, a + "/tenants/nope", json: ["name": "Nope"], expect: 404)
        try await call(.POST, a + "/tenants", json: ["slug": "doomed"], expect: 201)
        try await call(.DELETE, a + "/tenants/doomed", expect: 204)
        try await call(.DELETE, a + "/tenants/doomed", expect: 404)
    }

    func instances() async throws -> (echo: String, evolution: String, probe: String) {
        let a = Self.admin
        let echo = try await call(
            .POST, a + "/instances", json: ["tenant": "acme", "plugin": "echo", "name": "main", "is_default": true],
            expect: 201)
        let echoId = try #require(echo.json["id"] as? String)
        let evolution = try await call(
            .POST, a + "/instances",
            json: ["tenant": "acme", "plugin": "evolution", "name": "wa", "settings": ["evolution_key": "s3cret"]],
            expect: 201)
        let evolutionId = try #require(evolution.json["id"] as? String)
        #expect((evolution.json["settings"] as? [String: Any])?["evolution_key"] as? String == "********")
        #expect(!evolution.text.contains("s3cret"))
        let probe = try await call(
            .POST, a + "/instances", json: ["tenant": "globex", "plugin": "probe", "name": "p"], expect: 201)
        let probeId = try #require(probe.json["id"] as? String)
        try await call(
            .POST, a + "/instances", json: ["tenant": "acme", "plugin": "echo", "name": "spare"], expect: 201)
        try await call(
            .POST, a + "/instances", json: ["tenant": "acme", "plugin": "echo", "name": "main"], expect: 409)
        try await call(.POST, a + "/instances", json: ["tenant": "acme", "plugin": "nope", "name": "x"], expect: 422)
        try await call(.POST, a + "/instances", json: ["tenant": "nope", "plugin": "echo", "name": "x"], expect: 422)
        try await call(.POST, a + "/instances", body: Array("{".utf8), expect: 400)
        try await call(.POST, a + "/instances", body: Self.huge, expect: 413)

        let page = try await call(.GET, a + "/instances?limit=1", expect: 200)
        #expect(page.json["next_cursor"] as? String != nil)
        let mine = try await call(.GET, a + "/instances?tenant=acme&plugin=echo", expect: 200)
        #expect((mine.json["items"] as? [Any])?.count == 2)
        try await call(.GET, a + "/instances?limit=x", expect: 422)
        try await call(.GET, a + "/instances/\(echoId)", expect: 200)
        let byName = try await call(.GET, a + "/instances/echo%2Fmain", expect: 200)
        #expect(byName.json["id"] as? String == echoId)
        try await call(.GET, a + "/instances/ins_nope", expect: 404)

        let kept = try await call(
            .PATCH, a + "/instances/\(evolutionId)",
            json: ["settings": ["evolution_key": "********", "agent_timeout": 5]], expect: 200)
        #expect((kept.json["settings"] as? [String: Any])?["evolution_key"] as? String == "********")
        try await call(
            .PATCH, a + "/instances/\(evolutionId)", json: ["settings": ["agent_timeout": "soon"]], expect: 422)
        try await call(.PATCH, a + "/instances/echo%2Fspare", json: ["is_default": true], expect: 409)
        try await call(.PATCH, a + "/instances/\(echoId)", json: ["colour": "red"], expect: 422)
        try await call(.PATCH, a + "/instances/\(echoId)", body: Array("{".utf8), expect: 400)
        try await call(.PATCH, a + "/instances/\(echoId)", body: Self.huge, expect: 413)
        try await call(.PATCH, a + "/instances/ins_nope", json: ["enabled": false], expect: 404)
        try await call(.POST, a + "/instances/\(echoId)/reload", expect: 200)
        try await call(.POST, a + "/instances/ins_nope/reload", expect: 404)

        let inbound = #"{"external_id":"m1","from":"+15550001111","text":"hi","thread_key":"t1"}"#
        #expect(try await host.request(.POST, "/webhook/probe/p/inbound", body: Array(inbound.utf8)).status == 200)
        let messages = try await call(.GET, a + "/instances/\(probeId)/messages?limit=5", expect: 200)
        let listed = messages.json["messages"] as? [[String: Any]] ?? []
        #expect(listed.filter { $0["direction"] as? String == "inbound" }.count == 1)
        try await call(.GET, a + "/instances/ins_nope/messages", expect: 404)

        try await call(.POST, a + "/instances/\(echoId)/send", json: ["to": "+15550001111", "text": "hi"], expect: 200)
        try await call(.POST, a + "/instances/\(evolutionId)/send", json: ["to": "+1555", "text": "hi"], expect: 502)
        try await call(.POST, a + "/instances/ins_nope/send", json: ["to": "+1555", "text": "hi"], expect: 404)
        try await call(.POST, a + "/instances/\(echoId)/send", body: Self.huge, expect: 413)
        try await call(.DELETE, a + "/instances/echo%2Fspare", expect: 204)
        try await call(.DELETE, a + "/instances/echo%2Fspare", expect: 404)
        return (echoId, evolutionId, probeId)
    }

    func apiKeys(instance: String) async throws {
        let a = Self.admin
        let created = try await call(.POST, a + "/tenants/acme/api-keys", json: ["scope": "tenant"], expect: 201)
        let key = try #require(created.json["key"] as? String)
        let keyId = try #require(created.json["id"] as? String)
        let widget = try await call(
            .POST, a + "/tenants/acme/api-keys", json: ["scope": "widget", "instance": instance], expect: 201)
        let widgetKey = try #require(widget.json["key"] as? String)
        try await call(.POST, a + "/tenants/acme/api-keys", json: ["scope": "widget"], expect: 422)
        try await call(.POST, a + "/tenants/acme/api-keys", json: ["scope": "root"], expect: 422)
        try await call(.POST, a + "/tenants/acme/api-keys", body: Array("{".utf8), expect: 400)
        try await call(.POST, a + "/tenants/acme/api-keys", body: Self.huge, expect: 413)
        try await call(.POST, a + "/tenants/nope/api-keys", json: ["scope": "tenant"], expect: 404)
        let listed = try await call(.GET, a + "/tenants/acme/api-keys", expect: 200)
        #expect(!listed.text.contains(key), "a key is shown once")
        try await call(.GET, a + "/tenants/nope/api-keys", expect: 404)

        try await call(.GET, "/v1/tenant", headers: [("Authorization", "Bearer \(key)")], expect: 200)
        try await call(.GET, "/v1/tenant", headers: [("X-Switchboard-Key", key)], expect: 200)
        try await call(.GET, "/v1/tenant", expect: 401)
        try await call(.GET, "/v1/tenant", headers: [("Authorization", "Bearer \(widgetKey)")], expect: 403)
        let own = try await call(
            .GET, "/v1/instances?plugin=echo", headers: [("Authorization", "Bearer \(key)")], expect: 200)
        #expect((own.json["items"] as? [Any])?.count == 1)
        try await call(.GET, "/v1/instances", expect: 401)

        try await call(.PATCH, a + "/tenants/acme", json: ["status": "suspended"], expect: 200)
        try await call(.GET, "/v1/tenant", headers: [("Authorization", "Bearer \(key)")], expect: 403)
        try await call(.GET, "/v1/instances", headers: [("X-Switchboard-Key", key)], expect: 403)
        try await call(.PATCH, a + "/tenants/acme", json: ["status": "active"], expect: 200)

        try await call(.DELETE, a + "/tenants/acme/api-keys/\(keyId)", expect: 204)
        try await call(.DELETE, a + "/tenants/acme/api-keys/key_nope", expect: 404)
        try await call(.GET, "/v1/tenant", headers: [("Authorization", "Bearer \(key)")], expect: 401)
        let revoked = try await call(.GET, a + "/tenants/acme/api-keys", expect: 200)
        #expect(revoked.text.contains(#""revoked":true"#))
    }

    /// `/admin/v1/tenants/{tenant}/assistant…` of acme: profile and agent, prompts, knowledge.
    func assistant() async throws {
        let a = Self.admin + "/tenants/acme/assistant"
        let nope = Self.admin + "/tenants/nope/assistant"
        let initial = try await call(.GET, a, expect: 200)
        #expect(initial.json["prompt"] is NSNull)
        #expect((initial.json["agent"] as? [String: Any])?["kind"] as? String == "template")
        try await call(.GET, nope, expect: 404)

        let replaced = try await call(
            .PUT, a,
            json: [
                "assistant_name": "Alice", "company_name": "Acme", "language": "pt-BR", "timezone": "Europe/Lisbon",
                "agent": ["kind": "http", "url": "http://127.0.0.1:9/agent", "agent": "walk", "api_key": "sk-walk-secret"],
            ], expect: 200)
        #expect((replaced.json["agent"] as? [String: Any])?["api_key"] as? String == "********")
        #expect(!replaced.text.contains("sk-walk-secret"))
        for (json, field) in [
            (["language": "english!"], "language"), (["agent": ["kind": "oracle"]], "agent.kind"),
            (["agent": ["api_key": "sk"]], "agent.kind"), (["agent": "template"], "agent"),
            (["colour": "red"], "colour"),
        ] as [([String: Any], String)] {
            let refused = try await call(.PUT, a, json: json, expect: 422)
            #expect(refused.json["field"] as? String == field)
        }
        try await call(.PUT, a, body: Array("{".utf8), expect: 400)
        try await call(.PUT, a, body: Self.huge, expect: 413)
        try await call(.PUT, nope, json: ["assistant_name": "Nope"], expect: 404)

        let patched = try await call(.PATCH, a, json: ["assistant_name": "Alicia"], expect: 200)
        #expect(patched.json["company_name"] as? String == "Acme", "PATCH keeps the rest")
        for (json, field) in [
            (["timezone": "Mars/Olympus"], "timezone"), (["company_name": ""], "company_name"),
            (["assistant_name": 7], "assistant_name"), (["bogus": true], "bogus"),
        ] as [([String: Any], String)] {
            let refused = try await call(.PATCH, a, json: json, expect: 422)
            #expect(refused.json["field"] as? String == field)
        }
        try await call(.PATCH, a, body: Array("[]".utf8), expect: 400)
        try await call(.PATCH, a, body: Self.huge, expect: 413)
        try await call(.PATCH, nope, json: ["assistant_name": "Nope"], expect: 404)
        try await call(.POST, a + "/reload", expect: 200)
        try await call(.POST, nope + "/reload", expect: 404)

        let draft = try await call(.POST, a + "/prompts", json: ["content": "Be brief."], expect: 201)
        #expect(draft.json["status"] as? String == "draft")
        let draftId = try #require(draft.json["id"] as? String)
        let blank = try await call(.POST, a + "/prompts", json: ["content": " "], expect: 422)
        #expect(blank.json["field"] as? String == "content")
        let extra = try await call(.POST, a + "/prompts", json: ["content": "x", "bogus": 1], expect: 422)
        #expect(extra.json["field"] as? String == "bogus")
        try await call(.POST, a + "/prompts", body: Array("{".utf8), expect: 400)
        try await call(.POST, a + "/prompts", body: Self.huge, expect: 413)
        try await call(.POST, nope + "/prompts", json: ["content": "x"], expect: 404)
        let published = try await call(.POST, a + "/prompts/\(draftId)/publish", expect: 200)
        #expect(published.json["status"] as? String == "published" && published.json["published_at"] is Int)
        try await call(.POST, a + "/prompts/prm_nope/publish", expect: 404)
        try await call(.POST, nope + "/prompts/\(draftId)/publish", expect: 404)
        let versions = try await call(.GET, a + "/prompts", expect: 200)
        #expect((versions.json["items"] as? [Any])?.count == 1)
        try await call(.GET, nope + "/prompts", expect: 404)
        let live = try await call(.GET, a, expect: 200)
        #expect((live.json["prompt"] as? [String: Any])?["id"] as? String == draftId)

        let item = try await call(.POST, a + "/knowledge", json: ["title": "Hours", "text": "Mon-Fri 9-17"], expect: 201)
        let itemId = try #require(item.json["id"] as? String)
        for (json, field) in [
            (["title": "Hours"], "text"), (["title": " ", "text": "x"], "title"),
            (["title": "x", "text": "y", "bogus": 1], "bogus"),
        ] as [([String: Any], String)] {
            let refused = try await call(.POST, a + "/knowledge", json: json, expect: 422)
            #expect(refused.json["field"] as? String == field)
        }
        try await call(.POST, a + "/knowledge", body: Array("{".utf8), expect: 400)
        try await call(.POST, a + "/knowledge", body: Self.huge, expect: 413)
        try await call(.POST, nope + "/knowledge", json: ["title": "x", "text": "y"], expect: 404)
        let listed = try await call(.GET, a + "/knowledge", expect: 200)
        #expect((listed.json["items"] as? [Any])?.count == 1)
        try await call(.GET, nope + "/knowledge", expect: 404)
        let changed = try await call(.PATCH, a + "/knowledge/\(itemId)", json: ["text": "Mon-Sat 9-17"], expect: 200)
        #expect(changed.json["title"] as? String == "Hours" && changed.json["text"] as? String == "Mon-Sat 9-17")
        let badTitle = try await call(.PATCH, a + "/knowledge/\(itemId)", json: ["title": " "], expect: 422)
        #expect(badTitle.json["field"] as? String == "title")
        try await call(.PATCH, a + "/knowledge/\(itemId)", json: ["colour": "red"], expect: 422)
        try await call(.PATCH, a + "/knowledge/\(itemId)", body: Array("{".utf8), expect: 400)
        try await call(.PATCH, a + "/knowledge/\(itemId)", body: Self.huge, expect: 413)
        try await call(.PATCH, a + "/knowledge/kn_nope", body: Array("{".utf8), expect: 404)
        try await call(.PATCH, nope + "/knowledge/\(itemId)", json: ["text": "x"], expect: 404)
        #expect(try await call(.GET, a, expect: 200).json["knowledge_items"] as? Int == 1)
        try await call(.DELETE, a + "/knowledge/\(itemId)", expect: 204)
        try await call(.DELETE, a + "/knowledge/\(itemId)", expect: 404)
        try await call(.DELETE, nope + "/knowledge/\(itemId)", expect: 404)
    }

    /// `/v1/conversations…` of globex, whose probe instance `p` delivers inbound messages; acme's
    /// key sees none of them.
    func conversations(probe: String, otherTenantsInstance: String) async throws {
        let a = Self.admin
        let key = try #require(
            try await call(.POST, a + "/tenants/globex/api-keys", json: ["scope": "tenant"], expect: 201)
                .json["key"] as? String)
        let otherKey = try #require(
            try await call(.POST, a + "/tenants/acme/api-keys", json: ["scope": "tenant"], expect: 201)
                .json["key"] as? String)
        let auth = [("Authorization", "Bearer \(key)")]
        let other = [("X-Switchboard-Key", otherKey)]
        let asAdmin = [("Authorization", "Bearer \(LiveHost.adminToken)"), ("X-Switchboard-Tenant", "globex")]

        let inbound = #"{"external_id":"m2","from":"+15550002222","from_name":"Ann","text":"hello"}"#
        #expect(try await host.request(.POST, "/webhook/probe/p/inbound", body: Array(inbound.utf8)).status == 200)
        let first = try await call(.GET, "/v1/conversations?limit=1", headers: auth, expect: 200)
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try await call(.GET, "/v1/conversations?limit=1&cursor=\(cursor)", headers: auth, expect: 200)
        #expect(second.json["next_cursor"] is NSNull)
        let all = (first.json["items"] as? [[String: Any]] ?? []) + (second.json["items"] as? [[String: Any]] ?? [])
        let ann = try #require(all.first { ($0["contact"] as? [String: Any])?["name"] as? String == "Ann" })
        let id = try #require(ann["id"] as? String)
        let filtered = try await call(.GET, "/v1/conversations?instance=\(probe)", headers: auth, expect: 200)
        #expect((filtered.json["items"] as? [Any])?.count == 2)
        for (query, field) in [
            ("instance=\(otherTenantsInstance)", "instance"), ("instance=ins_nope", "instance"), ("limit=0", "limit"),
            ("cursor=cv_nope", "cursor"),
        ] {
            let refused = try await call(.GET, "/v1/conversations?\(query)", headers: auth, expect: 422)
            #expect(refused.json["field"] as? String == field, "\(query)")
        }
        let admin = try await call(.GET, "/v1/conversations", headers: asAdmin, expect: 200)
        #expect((admin.json["items"] as? [Any])?.count == 2)
        let headerless = try await call(
            .GET, "/v1/conversations", headers: [("Authorization", "Bearer \(LiveHost.adminToken)")], expect: 400)
        #expect(headerless.json["field"] as? String == "x-switchboard-tenant")
        try await call(
            .GET, "/v1/conversations",
            headers: [("Authorization", "Bearer \(LiveHost.adminToken)"), ("X-Switchboard-Tenant", "nope")], expect: 404)
        try await call(.GET, "/v1/conversations", expect: 401)
        let theirs = try await call(.GET, "/v1/conversations", headers: other, expect: 200)
        #expect(!theirs.text.contains(id), "acme does not see globex's conversations")

        let c = "/v1/conversations/\(id)"
        let one = try await call(.GET, c, headers: auth, expect: 200)
        #expect((one.json["contact"] as? [String: Any])?["external_id"] as? String == "+15550002222")
        try await call(.GET, c, headers: asAdmin, expect: 200)
        try await call(.GET, "/v1/conversations/cv_nope", headers: auth, expect: 404)
        try await call(.GET, c, headers: other, expect: 404)
        try await call(.GET, c, expect: 401)

        // The template agent answers asynchronously: the inbound message and the reply.
        #expect(
            try await Fixtures.eventually {
                let reply = try await host.request(.GET, c + "/messages", headers: auth)
                return (reply.json["items"] as? [Any])?.count == 2
            })
        let page = try await call(.GET, c + "/messages?limit=1", headers: auth, expect: 200)
        #expect((page.json["items"] as? [[String: Any]])?.first?["direction"] as? String == "inbound")
        let next = try #require(page.json["next_cursor"] as? String)
        let rest = try await call(.GET, c + "/messages?cursor=\(next)", headers: auth, expect: 200)
        #expect((rest.json["items"] as? [[String: Any]])?.first?["author"] as? String == "assistant")
        #expect(rest.json["next_cursor"] is NSNull)
        for (query, field) in [("limit=201", "limit"), ("cursor=msg_nope", "cursor")] {
            let refused = try await call(.GET, c + "/messages?\(query)", headers: auth, expect: 422)
            #expect(refused.json["field"] as? String == field, "\(query)")
        }
        try await call(.GET, "/v1/conversations/cv_nope/messages", headers: auth, expect: 404)
        try await call(.GET, c + "/messages", headers: other, expect: 404)
        try await call(.GET, c + "/messages", expect: 401)

        let sent = try await call(.POST, c + "/messages", json: ["text": "We'll call you at 3"], headers: auth, expect: 201)
        #expect(sent.json["status"] as? String == "queued" && sent.json["author"] as? String == "staff")
        for (json, field) in [
            (["text": " "], "text"), ([:], "text"), (["text": 3], "text"), (["text": "x", "bogus": 1], "bogus"),
        ] as [([String: Any], String)] {
            let refused = try await call(.POST, c + "/messages", json: json, headers: auth, expect: 422)
            #expect(refused.json["field"] as? String == field)
        }
        try await call(.POST, c + "/messages", body: Array("{".utf8), headers: auth, expect: 400)
        let large = Array(repeating: UInt8(ascii: " "), count: 64 * 1024 + 10)
        try await call(.POST, c + "/messages", body: large, headers: auth, expect: 413)
        try await call(.POST, "/v1/conversations/cv_nope/messages", json: ["text": "x"], headers: auth, expect: 404)
        try await call(.POST, c + "/messages", json: ["text": "x"], headers: other, expect: 404)
        try await call(.POST, c + "/messages", json: ["text": "x"], expect: 401)

        let paused = try await call(.POST, c + "/pause", headers: auth, expect: 200)
        #expect(paused.json["paused_until"] is Int, "an empty body pauses for the default")
        try await call(.POST, c + "/pause", json: ["minutes": 10], headers: asAdmin, expect: 200)
        for (json, field) in [
            (["minutes": 0], "minutes"), (["minutes": "soon"], "minutes"), (["minutes": 1.5], "minutes"),
            (["bogus": 1], "bogus"),
        ] as [([String: Any], String)] {
            let refused = try await call(.POST, c + "/pause", json: json, headers: auth, expect: 422)
            #expect(refused.json["field"] as? String == field)
        }
        try await call(.POST, c + "/pause", body: Array("[".utf8), headers: auth, expect: 400)
        try await call(.POST, c + "/pause", body: Self.huge, headers: auth, expect: 413)
        try await call(.POST, "/v1/conversations/cv_nope/pause", headers: auth, expect: 404)
        try await call(.POST, c + "/pause", headers: other, expect: 404)
        try await call(.POST, c + "/pause", expect: 401)

        let resumed = try await call(.POST, c + "/resume", headers: auth, expect: 200)
        #expect(resumed.json["paused_until"] == nil)
        try await call(.POST, "/v1/conversations/cv_nope/resume", headers: auth, expect: 404)
        try await call(.POST, c + "/resume", headers: other, expect: 404)
        try await call(.POST, c + "/resume", headers: [("Authorization", "Bearer \(LiveHost.adminToken)")], expect: 400)
        try await call(.POST, c + "/resume", expect: 401)

        // A suspended tenant's key is refused; the operator's token still sees it.
        try await call(.PATCH, a + "/tenants/globex", json: ["status": "suspended"], expect: 200)
        try await call(.GET, c, headers: auth, expect: 403)
        try await call(.GET, "/v1/conversations", headers: auth, expect: 403)
        try await call(.GET, c, headers: asAdmin, expect: 200)
        try await call(.PATCH, a + "/tenants/globex", json: ["status": "active"], expect: 200)
    }
}
