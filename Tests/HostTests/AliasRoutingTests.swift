import Foundation
import NIOHTTP1
import Testing

@testable import SwitchboardHost

/// Which instance answers a plugin's alias routes: a widget key's, a claimed host name's, or the
/// default one.
@Suite("Alias routing")
struct AliasRoutingTests {
    private func instance(_ reply: LiveHost.Reply) -> String? { reply.json["instance"] as? String }

    @Test("a widget key picks its instance, then a claimed Host, then the default; bad keys are 401 before the plugin")
    func selection() async throws {
        let host = try await ConversationTests.probeHost("alias-select")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "probe", name: "front", isDefault: true)
        let chat = try await host.createInstance(tenant: "acme", plugin: "probe", name: "chat")
        try await host.createInstance(tenant: "globex", plugin: "probe", name: "globex-chat")
        try await host.createInstance(tenant: "acme", plugin: "evolution", name: "other")
        func widgetKey(_ tenant: String, _ instance: String) async throws -> String {
            let reply = try await host.admin(.POST, "/tenants/\(tenant)/api-keys", json: ["scope": "widget", "instance": instance])
            return try #require(reply.json["key"] as? String, "\(reply.text)")
        }
        let chatKey = try await widgetKey("acme", "probe/chat")
        let globexKey = try await widgetKey("globex", "probe/globex-chat")
        let echoKey = try await widgetKey("acme", "evolution/other")

        #expect(instance(try await host.request(.GET, "/probe-alias/config")) == "front")
        #expect(instance(try await host.request(.GET, "/probe-alias/config", headers: [("X-Switchboard-Key", chatKey)])) == "chat")
        #expect(instance(try await host.request(.GET, "/probe-alias/config?key=\(globexKey)")) == "globex-chat")
        #expect(
            (try await host.request(.GET, "/probe-alias/config?key=\(globexKey)")).json["tenant"] as? String
                != (try await host.request(.GET, "/probe-alias/config")).json["tenant"] as? String)

        // A key of another plugin's instance names nothing here; unknown and revoked keys are refused.
        let elsewhere = try await host.request(.GET, "/probe-alias/config", headers: [("X-Switchboard-Key", echoKey)])
        #expect(elsewhere.status == 404 && elsewhere.header("content-type") == "application/problem+json")
        let unknown = try await host.request(.GET, "/probe-alias/config?key=sb_widget_nope")
        #expect(unknown.status == 401 && unknown.json["field"] as? String == "key")
        let keys = try await host.admin(.GET, "/tenants/globex/api-keys").json["items"] as? [[String: Any]] ?? []
        let keyId = try #require(keys.first?["id"] as? String)
        #expect(try await host.admin(.DELETE, "/tenants/globex/api-keys/\(keyId)").status == 204)
        #expect(try await host.request(.GET, "/probe-alias/config?key=\(globexKey)").status == 401)
        // Keys that are not widget keys are the plugin's business: the default instance answers.
        #expect(instance(try await host.request(.GET, "/probe-alias/config?key=abc")) == "front")

        // Host names: claimed through the admin API, matched without case or port, unique.
        let claimed = try await host.admin(.PATCH, "/instances/\(chat)", json: ["hostnames": ["Chat.Acme.example"]])
        #expect(claimed.status == 200, "\(claimed.text)")
        #expect(claimed.json["hostnames"] as? [String] == ["chat.acme.example"])
        #expect(instance(try await host.request(.GET, "/probe-alias/config", headers: [("Host", "CHAT.acme.example:8080")])) == "chat")
        #expect(instance(try await host.request(.GET, "/probe-alias/config", headers: [("Host", "www.acme.example")])) == "front")
        let taken = try await host.admin(
            .POST, "/instances",
            json: ["tenant": "globex", "plugin": "probe", "name": "thief", "hostnames": ["chat.acme.example"]])
        #expect(taken.status == 409 && taken.json["field"] as? String == "hostnames", "\(taken.text)")
        let malformed = try await host.admin(.PATCH, "/instances/\(chat)", json: ["hostnames": ["not a host"]])
        #expect(malformed.status == 422 && malformed.json["field"] as? String == "hostnames")
        #expect(try await host.admin(.PATCH, "/instances/\(chat)", json: ["hostnames": "x"]).status == 422)
        // Released names route to the default again.
        #expect(try await host.admin(.PATCH, "/instances/\(chat)", json: ["hostnames": []]).status == 200)
        #expect(instance(try await host.request(.GET, "/probe-alias/config", headers: [("Host", "chat.acme.example")])) == "front")
    }
}
