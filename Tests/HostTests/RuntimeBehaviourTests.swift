import Foundation
import Synchronization
import Testing

@testable import SwitchboardHost

/// How the runtime treats plugins while serving: threads, streams, metrics, sends.
@Suite("Runtime behaviour")
struct RuntimeBehaviourTests {
    static func echoHost(_ label: String) async throws -> LiveHost {
        try await LiveHost.start(label: label, enabled: nil) { dir in
            try await Fixtures.compileEcho(into: dir)
            try await Fixtures.compileFixture("slow", into: dir)
        }
    }

    @Test("a hook blocked for 5 s delays neither other plugins nor the host")
    func slowHookDoesNotBlock() async throws {
        let host = try await Self.echoHost("slow")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "slow", name: "s")
        try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        let slowDone = Locked(false)
        async let slow: Int = {
            let status = try await host.request(.GET, "/webhook/slow/s/sleep").status
            slowDone.withLock { $0 = true }
            return status
        }()
        try await Task.sleep(for: .milliseconds(300))
        // These complete while the slow hook is still blocked.
        #expect(try await host.request(.GET, "/healthz").status == 200)
        #expect(try await host.request(.POST, "/webhook/echo/e/echo", body: Array("ping".utf8)).text == "ping")
        #expect(try await host.request(.GET, "/webhook/slow/s/fast").status == 200)
        #expect(slowDone.withLock { $0 } == false, "the other requests finished before the blocked hook")
        #expect(try await slow == 200)
    }

    @Test("a streamed response arrives as server-sent events")
    func streaming() async throws {
        let host = try await Self.echoHost("stream")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        let reply = try await host.request(.GET, "/webhook/echo/e/stream")
        #expect(reply.status == 200)
        #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
        #expect(reply.text == "data: 1\n\ndata: 2\n\ndata: 3\n\n")
    }

    @Test("/metrics counts requests and hook calls per plugin in Prometheus format")
    func metrics() async throws {
        let host = try await Self.echoHost("metrics")
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        for _ in 0..<3 { _ = try await host.request(.POST, "/webhook/echo/e/echo", body: Array("x".utf8)) }
        let text = try await host.request(.GET, "/metrics").text
        #expect(
            text.contains(#"switchboard_plugin_hook_calls_total{plugin="echo",hook="on_http_request"} 3"#), "\(text)")
        #expect(text.contains("switchboard_http_requests_total"))
        #expect(text.contains("switchboard_plugin_hook_duration_seconds"))
    }

    @Test("sending through a plugin returns the plugin's JSON result")
    func send() async throws {
        let host = try await Self.echoHost("send")
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        let reply = try await host.admin(.POST, "/instances/\(id)/send", json: ["to": "+15550001111", "text": "hi"])
        #expect(reply.status == 200, "\(reply.text)")
        let result = reply.json["result"] as? [String: Any] ?? [:]
        #expect((result["external_id"] as? String)?.hasPrefix("echo-") == true)
        // An SMS instance without provider credentials refuses to send, and says why.
        let unconfigured = try await host.createInstance(tenant: "acme", plugin: "sms", name: "desk")
        let refused = try await host.admin(.POST, "/instances/\(unconfigured)/send", json: ["to": "+1", "text": "hi"])
        #expect(refused.status == 502)
        #expect((refused.json["detail"] as? String ?? "").contains("account_sid and auth_token are not configured"))
    }

    @Test("disabling an instance stops it; enabling starts it again")
    func disableEnable() async throws {
        let host = try await Self.echoHost("disable")
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(tenant: "acme", plugin: "echo", name: "e")
        #expect(try await host.request(.GET, "/webhook/echo/e/health").status == 200)
        #expect(try await host.admin(.PATCH, "/instances/\(id)", json: ["enabled": false]).status == 200)
        #expect(try await host.request(.GET, "/webhook/echo/e/health").status == 404)
        #expect(try await host.admin(.PATCH, "/instances/\(id)", json: ["enabled": true]).status == 200)
        #expect(try await host.request(.GET, "/webhook/echo/e/health").status == 200)
    }

    @Test("the admin API refuses missing or wrong tokens and names bad fields")
    func adminAuth() async throws {
        let host = try await Self.echoHost("auth")
        defer { Task { await host.stop() } }
        #expect(try await host.request(.GET, "/admin/v1/plugins").status == 401)
        #expect(
            try await host.request(.GET, "/admin/v1/plugins", headers: [("Authorization", "Bearer wrong")]).status
                == 401)
        let bad = try await host.admin(.POST, "/tenants", json: ["name": "No slug"])
        #expect(bad.status == 422)
        #expect(bad.json["field"] as? String == "slug")
        let badPlugin = try await host.admin(.POST, "/instances", json: ["tenant": "x", "plugin": "echo", "name": "n"])
        #expect(badPlugin.status == 422)
        #expect(badPlugin.json["field"] as? String == "tenant")
    }
}

/// Configurations a plugin refuses, and routes two plugins cannot share.
@Suite("Refusals")
struct RefusalTests {
    @Test("a configuration the plugin refuses is a 422 with its reason, and nothing accepted is lost")
    func refusedConfiguration() async throws {
        let host = try await LiveHost.start(label: "refuse") { dir in
            try await Fixtures.compileFixture("versioned", into: dir)
        }
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "acme", plugin: "versioned", name: "keep")
        let created = try await host.admin(
            .POST, "/instances",
            json: ["tenant": "acme", "plugin": "versioned", "name": "bad", "settings": ["refuse": true]])
        #expect(created.status == 422)
        #expect(created.json["field"] as? String == "settings")
        #expect((created.json["detail"] as? String ?? "").contains("setting refuse is not allowed"))
        let names = (try await host.admin(.GET, "/instances").json["items"] as? [[String: Any]] ?? []).compactMap {
            $0["name"] as? String
        }
        #expect(names == ["keep"], "the refused instance was not kept")

        let id = try #require(
            (try await host.admin(.GET, "/instances").json["items"] as? [[String: Any]])?.first?["id"] as? String)
        let patched = try await host.admin(.PATCH, "/instances/\(id)", json: ["settings": ["refuse": 1]])
        #expect(patched.status == 422)
        #expect(
            try await host.request(.GET, "/webhook/versioned/keep/version").status == 200,
            "the old instance keeps serving")
        let stored = try await host.admin(.GET, "/instances/\(id)").json["settings"] as? [String: Any] ?? ["x": 1]
        #expect(stored.isEmpty, "the old settings are still stored: \(stored)")
    }

    @Test("a plugin whose alias another plugin already serves is refused")
    func aliasConflict() async throws {
        let host = try await LiveHost.start(label: "aliasclash")
        defer { Task { await host.stop() } }
        let file = try await Fixtures.compileFixture(
            "versioned", into: host.pluginDirectory, defines: [#"ALIAS_PATH="/webhook/evolution""#])
        let reply = try await host.admin(.POST, "/plugins/load", json: ["path": file])
        #expect(reply.status == 422)
        #expect((reply.json["detail"] as? String ?? "").contains("served by evolution"))
    }
}
