import Foundation
import PluginAPI
import Testing

@testable import SwitchboardHost

/// Deliberately broken plugins, compiled with cc during the test: each is refused with a
/// clear error naming the file and the reason, and the host keeps serving.
@Suite("Broken plugins")
struct BrokenPluginTests {
    struct Case: Sendable, CustomStringConvertible {
        var fixture: String
        var code: PluginLoadError.Code
        var field: String?
        var mentions: String
        var description: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "wrong_major", code: .incompatibleVersion, field: "abi_major", mentions: "host 1, plugin 2"),
        Case(fixture: "newer_minor", code: .incompatibleVersion, field: "abi_minor", mentions: "host \(SB_ABI_MINOR), plugin \(SB_ABI_MINOR + 1)"),
        Case(fixture: "missing_entry", code: .missingEntry, field: "symbol", mentions: "switchboard_plugin_entry"),
        Case(fixture: "null_hook", code: .missingHook, field: "hooks.on_instance_start", mentions: "NULL"),
        Case(fixture: "init_fails", code: .initFailed, field: "on_init", mentions: "database unreachable"),
        Case(fixture: "no_descriptor", code: .noDescriptor, field: nil, mentions: "refusing to load: missing license"),
        Case(fixture: "entry_null_no_reason", code: .noDescriptor, field: nil, mentions: "no reason given"),
    ]

    @Test("each broken plugin gets its own clear refusal over the admin API", arguments: cases)
    func refusedOverAdminAPI(_ broken: Case) async throws {
        let host = try await LiveHost.start(label: "broken-\(broken.fixture)", enabled: nil) { dir in
            // Not in the directory at start-up: loaded over the admin API below.
            _ = dir
        }
        defer { Task { await host.stop() } }
        let file = try await Fixtures.compileFixture(broken.fixture, into: host.pluginDirectory)
        let reply = try await host.admin(.POST, "/plugins/load", json: ["path": file])
        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.header("content-type") == "application/problem+json")
        let detail = reply.json["detail"] as? String ?? ""
        #expect(reply.json["code"] as? String == broken.code.description)
        #expect(detail.contains(file), "names the file: \(detail)")
        #expect(detail.contains(broken.mentions), "\(detail)")
        if let field = broken.field { #expect(reply.json["plugin_field"] as? String == field) }
        // The host keeps serving.
        #expect(try await host.request(.GET, "/healthz").status == 200)
        let plugins = try await host.admin(.GET, "/plugins").json["plugins"] as? [[String: Any]] ?? []
        #expect(
            plugins.contains {
                $0["state"] as? String == "failed" && ($0["error"] as? String ?? "").contains(broken.mentions)
            })
    }

    @Test("a migration outside the portable SQL subset refuses the load, naming the migration and the token")
    func nonPortableMigration() async throws {
        let host = try await LiveHost.start(label: "broken-sql")
        defer { Task { await host.stop() } }
        let file = try await Fixtures.compileFixture(
            "versioned", into: host.pluginDirectory, as: "libsql.so",
            defines: [#"MIGRATION_SQL="CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)""#])
        let reply = try await host.admin(.POST, "/plugins/load", json: ["path": file])
        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.json["code"] as? String == "invalid_descriptor")
        #expect(reply.json["plugin_field"] as? String == "migrations[0].sql")
        let detail = reply.json["detail"] as? String ?? ""
        #expect(detail.contains(file) && detail.contains("001_init") && detail.contains("AUTOINCREMENT"), "\(detail)")
        #expect(try await host.request(.GET, "/healthz").status == 200)
    }

    @Test("a text file, a truncated .so and a path outside the plugin directories are refused")
    func notALibrary() async throws {
        let host = try await LiveHost.start(label: "notlib")
        defer { Task { await host.stop() } }
        let text = host.pluginDirectory + "/libtext.so"
        try "this is not an ELF file".write(toFile: text, atomically: true, encoding: .utf8)
        let textReply = try await host.admin(.POST, "/plugins/load", json: ["path": text])
        #expect(textReply.status == 422)
        #expect(textReply.json["code"] as? String == "not_a_library")

        let whole = try await Fixtures.compileFixture("versioned", into: host.pluginDirectory, as: "full.so")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let truncated = host.pluginDirectory + "/libtruncated.so"
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: truncated))
        let truncatedReply = try await host.admin(.POST, "/plugins/load", json: ["path": truncated])
        #expect(truncatedReply.status == 422)
        #expect(truncatedReply.json["code"] as? String == "truncated")
        #expect((truncatedReply.json["detail"] as? String ?? "").contains(truncated))

        let outside = try Fixtures.temporaryDirectory("outside")
        let stray = try await Fixtures.compileFixture("versioned", into: outside)
        let outsideReply = try await host.admin(.POST, "/plugins/load", json: ["path": stray])
        #expect(outsideReply.status == 403)
        #expect(outsideReply.json["code"] as? String == "outside_plugin_directories")
        let traversal = try await host.admin(
            .POST, "/plugins/load",
            json: ["path": host.pluginDirectory + "/../" + (outside as NSString).lastPathComponent + "/libversioned.so"]
        )
        #expect(traversal.status == 403 || traversal.status == 404)
        #expect(try await host.request(.GET, "/healthz").status == 200)
    }

    @Test("broken plugins in the plugin directory at start-up do not stop the others")
    func brokenAtStartup() async throws {
        let host = try await LiveHost.start(label: "startup", enabled: nil) { dir in
            for fixture in ["wrong_major", "init_fails", "null_hook"] {
                try await Fixtures.compileFixture(fixture, into: dir)
            }
            try await Fixtures.compileFixture("versioned", into: dir)
        }
        defer { Task { await host.stop() } }
        let plugins = try await host.admin(.GET, "/plugins").json["plugins"] as? [[String: Any]] ?? []
        let loaded = Set(plugins.filter { $0["state"] as? String == "loaded" }.compactMap { $0["name"] as? String })
        #expect(loaded.isSuperset(of: ["evolution", "sms", "webchat", "versioned"]))
        let failed = plugins.filter { $0["state"] as? String == "failed" }.compactMap { $0["file"] as? String }
        for fixture in ["wrong_major", "init_fails", "null_hook"] {
            #expect(failed.contains { $0.hasSuffix("lib\(fixture).so") }, "\(fixture) reported")
        }
        try await host.createInstance(tenant: "acme", plugin: "versioned", name: "v")
        #expect(try await host.request(.GET, "/webhook/versioned/v/version").status == 200)
    }

    @Test("a plugin passing unknown or stale handles gets error codes, not a crash")
    func staleHandles() async throws {
        let host = try await LiveHost.start(label: "stale", enabled: nil) { dir in
            try await Fixtures.compileFixture("stale_handle", into: dir)
        }
        defer { Task { await host.stop() } }
        let first = try await host.createInstance(tenant: "acme", plugin: "stale", name: "one")
        _ = try await host.request(.GET, "/webhook/stale/one/probe")
        // Restart the instance so the handle it saved becomes stale.
        _ = try await host.admin(.POST, "/instances/\(first)/reload")
        _ = try await host.admin(.PATCH, "/instances/\(first)", json: ["enabled": false])
        _ = try await host.admin(.PATCH, "/instances/\(first)", json: ["enabled": true])
        let reply = try await host.request(.GET, "/webhook/stale/one/probe")
        #expect(reply.status == 200, "\(reply.text)")
        let statuses = reply.json.values.compactMap { $0 as? Int }
        #expect(!statuses.isEmpty)
        #expect(statuses.allSatisfy { $0 == 12 }, "every bad handle yields SB_ERR_INVALID_HANDLE: \(reply.text)")
        #expect(try await host.request(.GET, "/healthz").status == 200)
    }
}
