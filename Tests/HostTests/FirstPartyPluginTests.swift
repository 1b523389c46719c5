import Foundation
import Testing

@testable import SwitchboardHost

/// The three first-party plugins are real `.so` files loaded with dlopen through the ABI.
@Suite("First-party plugins")
struct FirstPartyPluginTests {
    @Test("evolution, sms and webchat load, start instances and answer their health route")
    func loadAndAnswerHealth() async throws {
        let host = try await LiveHost.start(label: "firstparty")
        defer { Task { await host.stop() } }
        let plugins = try await host.admin(.GET, "/plugins").json["plugins"] as? [[String: Any]] ?? []
        let loaded = Set(plugins.filter { $0["state"] as? String == "loaded" }.compactMap { $0["name"] as? String })
        #expect(loaded == ["evolution", "sms", "webchat"])
        for plugin in ["evolution", "sms", "webchat"] {
            try await host.createInstance(tenant: "acme", plugin: plugin, name: "\(plugin)-main")
            let reply = try await host.request(.GET, "/webhook/\(plugin)/\(plugin)-main/health")
            #expect(reply.status == 200, "\(plugin): \(reply.text)")
            #expect(reply.json["plugin"] as? String == plugin)
            #expect(reply.json["instance"] as? String == "\(plugin)-main")
        }
        let ready = try await host.request(.GET, "/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["plugins"] as? Int == 3)
    }

    @Test("an alias route reaches the plugin's default instance; no default gives a clear 404")
    func aliasRoute() async throws {
        let host = try await LiveHost.start(label: "alias")
        defer { Task { await host.stop() } }
        let missing = try await host.request(.POST, "/webhook/evolution", body: Array("{}".utf8))
        #expect(missing.status == 404)
        #expect(missing.json["detail"] as? String == "no running instance \"(default)\" of plugin evolution")
        try await host.createInstance(tenant: "acme", plugin: "evolution", name: "legacy", isDefault: true)
        let reply = try await host.request(
            .POST, "/webhook/evolution",
            body: Array(#"{"event":"connection.update","instance":"sales","data":{"instance":"sales","state":"open","statusReason":200}}"#.utf8))
        #expect(reply.status / 100 == 2, "\(reply.status) \(reply.text)")
    }

    @Test("unknown instances and methods get problem+json errors")
    func unknownInstanceAndMethod() async throws {
        let host = try await LiveHost.start(label: "unknown")
        defer { Task { await host.stop() } }
        let unknown = try await host.request(.GET, "/webhook/sms/nope/health")
        #expect(unknown.status == 404)
        #expect(unknown.header("content-type") == "application/problem+json")
        try await host.createInstance(tenant: "acme", plugin: "sms", name: "desk")
        let wrongMethod = try await host.request(.DELETE, "/webhook/sms/desk/health")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("allow") == "GET")
    }
}
