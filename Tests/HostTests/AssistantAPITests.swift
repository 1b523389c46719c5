import Foundation
import Testing

@testable import SwitchboardHost

/// `/admin/v1/tenants/{tenant}/assistant`: the per-tenant assistant, cached and reloaded.
@Suite("Assistant API")
struct AssistantAPITests {
    @Test("profile changes reach the next reply with no restart; bad fields are named; the agent key is sealed")
    func profile() async throws {
        let host = try await ConversationTests.probeHost("assistant-api")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "a")
        let initial = try await host.admin(.GET, "/tenants/acme/assistant")
        #expect(initial.status == 200)
        #expect(initial.json["assistant_name"] as? String == "Assistant")
        #expect((initial.json["agent"] as? [String: Any])?["kind"] as? String == "template")
        #expect(initial.json["prompt"] is NSNull)

        let put = try await host.admin(
            .PUT, "/tenants/acme/assistant",
            json: [
                "assistant_name": "Alice", "company_name": "Acme Pet Care", "language": "pt",
                "timezone": "America/Sao_Paulo", "agent": ["kind": "template"],
            ])
        #expect(put.status == 200, "\(put.text)")
        _ = try await ConversationTests.inbound(host, "a", ["external_id": "p-1", "from": "+15550001", "text": "oi"])
        #expect(try await Fixtures.eventually { try await ConversationTests.sent(host, "a").count == 1 })
        let reply = try await ConversationTests.sent(host, "a").values.first?["text"] as? String ?? ""
        #expect(reply.contains("aqui é Alice da Acme Pet Care"), "\(reply)")

        for (field, value) in [("timezone", "Mars/Olympus"), ("language", "english!"), ("assistant_name", "")] {
            let bad = try await host.admin(.PATCH, "/tenants/acme/assistant", json: [field: value])
            #expect(bad.status == 422, "\(field)")
            #expect(bad.json["field"] as? String == field)
        }
        let badAgent = try await host.admin(.PATCH, "/tenants/acme/assistant", json: ["agent": ["kind": "oracle"]])
        #expect(badAgent.json["field"] as? String == "agent.kind")
        #expect(try await host.admin(.PATCH, "/tenants/acme/assistant", json: ["colour": "red"]).status == 422)
        let missingURL = try await host.admin(
            .PATCH, "/tenants/acme/assistant", json: ["agent": ["kind": "http", "agent": "sales"]])
        #expect(missingURL.json["field"] as? String == "agent.url", "\(missingURL.text)")
        let http = try await host.admin(
            .PATCH, "/tenants/acme/assistant",
            json: ["agent": ["kind": "http", "url": "http://127.0.0.1:9/agent", "agent": "sales", "api_key": "sk-very-secret"]])
        #expect(http.status == 200, "\(http.text)")
        #expect((http.json["agent"] as? [String: Any])?["api_key"] as? String == "********")
        let patched = try await host.admin(.PATCH, "/tenants/acme/assistant", json: ["assistant_name": "Alicia"])
        #expect(patched.json["company_name"] as? String == "Acme Pet Care", "PATCH keeps the rest")
        #expect((patched.json["agent"] as? [String: Any])?["api_key"] as? String == "********", "and the key")
        let kept = try await host.admin(
            .PATCH, "/tenants/acme/assistant",
            json: ["agent": ["kind": "http", "url": "http://127.0.0.1:9/v2", "agent": "sales", "api_key": "********"]])
        #expect((kept.json["agent"] as? [String: Any])?["api_key"] as? String == "********", "the mask keeps the key")
        let tenantId = try #require(try host.runtime.database.tenant(slug: "acme")?.id)
        let agent = try host.server.conversations.assistants.assistant(tenantId: tenantId).agent
        guard case .http(let settings) = agent else {
            Issue.record("expected the http agent, got \(agent)")
            return
        }
        #expect(settings.apiKey == "sk-very-secret" && settings.url == "http://127.0.0.1:9/v2")
        #expect(try await host.admin(.POST, "/tenants/acme/assistant/reload").status == 200)
        #expect(try await host.admin(.GET, "/tenants/nobody/assistant").status == 404)

        for file in try FileManager.default.subpathsOfDirectory(atPath: host.dataDirectory) {
            guard let data = FileManager.default.contents(atPath: host.dataDirectory + "/" + file) else { continue }
            #expect(data.range(of: Data("sk-very-secret".utf8)) == nil, "\(file) holds the agent key")
        }
    }

    @Test("prompts have draft and published versions; knowledge items can be listed, changed and removed")
    func promptsAndKnowledge() async throws {
        let host = try await LiveHost.start(label: "assistant-prompts")
        defer { Task { await host.stop() } }
        _ = try await host.admin(.POST, "/tenants", json: ["slug": "acme"])
        let first = try await host.admin(.POST, "/tenants/acme/assistant/prompts", json: ["content": "Be brief."])
        #expect(first.status == 201)
        #expect(first.json["version"] as? Int == 1 && first.json["status"] as? String == "draft")
        let firstId = try #require(first.json["id"] as? String)
        #expect(try await host.admin(.GET, "/tenants/acme/assistant").json["prompt"] is NSNull, "a draft is not live")
        #expect(try await host.admin(.POST, "/tenants/acme/assistant/prompts/\(firstId)/publish").status == 200)
        let second = try await host.admin(.POST, "/tenants/acme/assistant/prompts", json: ["content": "Be kind."])
        let secondId = try #require(second.json["id"] as? String)
        _ = try await host.admin(.POST, "/tenants/acme/assistant/prompts/\(secondId)/publish")
        let live = try await host.admin(.GET, "/tenants/acme/assistant").json["prompt"] as? [String: Any]
        #expect(live?["content"] as? String == "Be kind." && live?["version"] as? Int == 2)
        let versions = try await host.admin(.GET, "/tenants/acme/assistant/prompts").json["items"] as? [[String: Any]]
        #expect(versions?.map { $0["status"] as? String } == ["published", "archived"])
        #expect(try await host.admin(.POST, "/tenants/acme/assistant/prompts/prm_nope/publish").status == 404)
        #expect(try await host.admin(.POST, "/tenants/acme/assistant/prompts", json: ["content": " "]).status == 422)

        let item = try await host.admin(
            .POST, "/tenants/acme/assistant/knowledge", json: ["title": "Hours", "text": "Mon-Fri 9-17"])
        #expect(item.status == 201)
        let itemId = try #require(item.json["id"] as? String)
        let changed = try await host.admin(
            .PATCH, "/tenants/acme/assistant/knowledge/\(itemId)", json: ["text": "Mon-Sat 9-17"])
        #expect(changed.json["text"] as? String == "Mon-Sat 9-17" && changed.json["title"] as? String == "Hours")
        #expect(try await host.admin(.GET, "/tenants/acme/assistant").json["knowledge_items"] as? Int == 1)
        #expect(try await host.admin(.DELETE, "/tenants/acme/assistant/knowledge/\(itemId)").status == 204)
        #expect(try await host.admin(.DELETE, "/tenants/acme/assistant/knowledge/\(itemId)").status == 404)
        let tenantId = try #require(try host.runtime.database.tenant(slug: "acme")?.id)
        #expect(try host.server.conversations.assistants.assistant(tenantId: tenantId).prompt == "Be kind.")
    }

    @Test(
        "PUT replaces the agent with its key; an agent needs a string kind; several bad fields name the first in sorted order"
    )
    func replaceAndValidate() async throws {
        try await RouterHost.run(label: "assistant-replace") { host in
            _ = try await host.admin(.POST, "/tenants", json: ["slug": "acme"])
            func agent(_ reply: LiveHost.Reply) -> [String: Any] { reply.json["agent"] as? [String: Any] ?? [:] }
            let keyed = try await host.admin(
                .PUT, "/tenants/acme/assistant",
                json: [
                    "company_name": "Acme",
                    "agent": ["kind": "http", "url": "http://127.0.0.1:9/a", "agent": "x", "api_key": "sk-1"],
                ])
            #expect(agent(keyed)["api_key"] as? String == "********")
            let kept = try await host.admin(
                .PUT, "/tenants/acme/assistant",
                json: ["agent": ["kind": "http", "url": "http://127.0.0.1:9/a", "agent": "x", "api_key": "********"]])
            #expect(agent(kept)["api_key"] as? String == "********", "the mask keeps the key of the same kind")
            #expect(kept.json["company_name"] as? String == "our team", "PUT replaces the rest")
            let replaced = try await host.admin(.PUT, "/tenants/acme/assistant", json: ["assistant_name": "Bob"])
            #expect(replaced.status == 200)
            #expect(agent(replaced).keys.sorted() == ["kind"], "a PUT without an agent drops the agent's key: \(replaced.text)")
            let reread = try await host.admin(.GET, "/tenants/acme/assistant")
            #expect(agent(reread).keys.sorted() == ["kind"])

            for refused in [[:], ["kind": 5], ["kind": ""], ["api_key": "sk-2"]] as [[String: Any]] {
                let reply = try await host.admin(.PATCH, "/tenants/acme/assistant", json: ["agent": refused])
                #expect(reply.status == 422, "\(refused)")
                #expect(reply.json["field"] as? String == "agent.kind", "\(refused)")
            }
            #expect(agent(try await host.admin(.GET, "/tenants/acme/assistant"))["kind"] as? String == "template")

            for _ in 0..<8 {
                let reply = try await host.admin(
                    .PATCH, "/tenants/acme/assistant",
                    json: ["timezone": "Mars/Olympus", "language": "english!", "company_name": ""])
                #expect(reply.status == 422)
                #expect(reply.json["field"] as? String == "company_name")
            }
        }
    }

    @Test("a knowledge item is looked up before the body is read: an unknown one is a 404 whatever the body")
    func knowledgeLookedUpFirst() async throws {
        try await RouterHost.run(label: "assistant-knowledge-404") { host in
            _ = try await host.admin(.POST, "/tenants", json: ["slug": "acme"])
            let item = try await host.admin(
                .POST, "/tenants/acme/assistant/knowledge", json: ["title": "Hours", "text": "9-17"])
            let id = try #require(item.json["id"] as? String)
            let token = [("Authorization", "Bearer \(LiveHost.adminToken)")]
            for body in TenantResolutionTests.refusedBodies {
                let unknown = try await host.send(
                    .PATCH, "/admin/v1/tenants/acme/assistant/knowledge/kn_nope", body: body, headers: token)
                #expect(unknown.status == 404, "\(body.count) bytes: \(unknown.text)")
                let known = try await host.send(
                    .PATCH, "/admin/v1/tenants/acme/assistant/knowledge/\(id)", body: body, headers: token)
                #expect([400, 413, 422].contains(known.status), "\(body.count) bytes: \(known.text)")
            }
        }
    }
}
