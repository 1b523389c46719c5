import Foundation
import Testing

@testable import SwitchboardHost

/// Host services driven end to end from a real C plugin over real HTTP.
@Suite("Host services")
struct HostServicesTests {
    static func probeHost(_ label: String) async throws -> (LiveHost, String) {
        let host = try await LiveHost.start(label: label) { dir in try await Fixtures.compileFixture("probe", into: dir)
        }
        let id = try await host.createInstance(tenant: "acme", plugin: "probe", name: "p", settings: ["greeting": "hi"])
        return (host, id)
    }

    @Test("inbound messages are stored durably, once per external id, and visible to operators")
    func inbound() async throws {
        let (host, id) = try await Self.probeHost("inbound")
        defer { Task { await host.stop() } }
        let message = #"{"external_id":"wamid.1","from":"+15550001111","from_name":"Ana","text":"Olá"}"#
        let first = try await host.request(.POST, "/webhook/probe/p/inbound", body: Array(message.utf8))
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["duplicate"] as? Bool == false)
        let again = try await host.request(.POST, "/webhook/probe/p/inbound", body: Array(message.utf8))
        #expect(again.json["duplicate"] as? Bool == true)
        #expect(again.json["message_id"] as? String == first.json["message_id"] as? String)
        let missing = try await host.request(
            .POST, "/webhook/probe/p/inbound", body: Array(#"{"from":"x","text":"y"}"#.utf8))
        #expect(missing.status == 400)
        #expect((missing.json["error"] as? String ?? "").contains("external_id"))
        let all = try await host.admin(.GET, "/instances/\(id)/messages").json["messages"] as? [[String: Any]] ?? []
        let stored = all.filter { $0["direction"] as? String == "inbound" }
        #expect(stored.count == 1)
        #expect(stored.first?["text"] as? String == "Olá")
        #expect(stored.first?["author"] as? String == "contact")
        #expect(stored.first?["conversation_id"] as? String == first.json["conversation_id"] as? String)
    }

    @Test("config_get returns the injected InstanceConfig")
    func config() async throws {
        let (host, id) = try await Self.probeHost("config")
        defer { Task { await host.stop() } }
        let config = try await host.request(.GET, "/webhook/probe/p/config").json
        #expect(config["instance"] as? String == "p")
        #expect(config["instance_id"] as? String == id)
        #expect(config["tenant"] as? String == "acme")
        #expect((config["settings"] as? [String: Any])?["greeting"] as? String == "hi")
        // Reconfiguring re-injects it (the probe has no on_config_changed: the host restarts it).
        #expect(try await host.admin(.PATCH, "/instances/\(id)", json: ["settings": ["greeting": "olá"]]).status == 200)
        let updated = try await host.request(.GET, "/webhook/probe/p/config").json
        #expect((updated["settings"] as? [String: Any])?["greeting"] as? String == "olá")
    }

    @Test("a timer fires on the plugin's threads and can use storage")
    func timer() async throws {
        let (host, _) = try await Self.probeHost("timer")
        defer { Task { await host.stop() } }
        #expect(try await host.request(.GET, "/webhook/probe/p/kv/timer").status == 404)
        #expect(try await host.request(.POST, "/webhook/probe/p/timer?50").status == 202)
        var fired = false
        for _ in 0..<100 where !fired {
            try await Task.sleep(for: .milliseconds(20))
            fired = try await host.request(.GET, "/webhook/probe/p/kv/timer").text == "fired"
        }
        #expect(fired)
    }

    @Test("outbound HTTP reaches a loopback server and reports its status")
    func fetch() async throws {
        let (host, _) = try await Self.probeHost("fetch")
        defer { Task { await host.stop() } }
        let ok = try await host.request(
            .POST, "/webhook/probe/p/fetch", body: Array("http://127.0.0.1:\(host.port)/healthz".utf8))
        #expect(ok.json["status"] as? Int == 200)
        #expect(ok.json["body_bytes"] as? Int ?? 0 > 0)
        let bad = try await host.request(.POST, "/webhook/probe/p/fetch", body: Array("ftp://example".utf8))
        #expect(bad.status == 400)
        let refused = try await host.request(.POST, "/webhook/probe/p/fetch", body: Array("http://127.0.0.1:1/".utf8))
        #expect(refused.status == 400)
        #expect(refused.json["status"] as? Int == 17, "SB_ERR_IO: \(refused.text)")
    }

    @Test("plugin counters and histograms appear in /metrics with plugin, tenant and instance labels")
    func pluginMetrics() async throws {
        let (host, _) = try await Self.probeHost("pmetrics")
        defer { Task { await host.stop() } }
        for _ in 0..<2 { _ = try await host.request(.POST, "/webhook/probe/p/count", body: Array("abc".utf8)) }
        let text = try await host.request(.GET, "/metrics").text
        #expect(
            text.contains(#"switchboard_plugin_counter_probe_hits_total{plugin="probe",tenant="acme",instance="p"} 2"#),
            "\(text)")
        #expect(text.contains("switchboard_plugin_histogram_probe_size"))
    }
}
