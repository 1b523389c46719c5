import Foundation
import Testing

@testable import SwitchboardHost

/// `instance_start = "lazy"`: instances start on their first request, from the in-memory registry.
@Suite("Lazy instance start")
struct LazyStartTests {
    @Test("an instance starts on its first request; suspended and disabled ones never start")
    func startsOnFirstUse() async throws {
        let host = try await LiveHost.start(label: "lazy", configure: { $0.instanceStart = .lazy })
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(tenant: "acme", plugin: "webchat", name: "site")
        let other = try await host.createInstance(tenant: "globex", plugin: "webchat", name: "globex-site")
        #expect(host.runtime.runningInstance(id: id) == nil, "not started by its creation")
        #expect(try await host.admin(.GET, "/instances/\(id)").json["running"] as? Bool == false)

        #expect(try await host.request(.GET, "/webhook/webchat/site/health").status == 200)
        #expect(host.runtime.runningInstance(id: id) != nil, "started by the request")

        // Reconfiguring a running instance reaches it; one that never ran stays stopped.
        let patched = try await host.admin(.PATCH, "/instances/\(id)", json: ["settings": [:]])
        #expect(patched.status == 200)
        #expect(host.runtime.runningInstance(id: id) != nil)

        #expect(try await host.admin(.PATCH, "/tenants/globex", json: ["status": "suspended"]).status == 200)
        #expect(try await host.request(.GET, "/webhook/webchat/globex-site/health").status == 403)
        #expect(host.runtime.runningInstance(id: other) == nil)
        #expect(try await host.admin(.PATCH, "/tenants/globex", json: ["status": "active"]).status == 200)
        #expect(try await host.admin(.PATCH, "/instances/\(other)", json: ["enabled": false]).status == 200)
        #expect(try await host.request(.GET, "/webhook/webchat/globex-site/health").status == 404)
        #expect(host.runtime.runningInstance(id: other) == nil)
        #expect(try await host.request(.GET, "/webhook/webchat/nobody/health").status == 404)
    }
}
