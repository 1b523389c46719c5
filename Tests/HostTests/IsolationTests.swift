import Foundation
import Testing

@testable import SwitchboardHost

/// Tenant isolation is enforced by the host: an instance reaches only its own tenant's data.
@Suite("Tenant isolation")
struct IsolationTests {
    @Test("KV and SQL from tenant A's instance never see tenant B's data")
    func isolation() async throws {
        let host = try await LiveHost.start(label: "isolation", enabled: nil) { dir in
            try await Fixtures.compileFixture("probe", into: dir)
        }
        defer { Task { await host.stop() } }
        try await host.createInstance(tenant: "alpha", plugin: "probe", name: "a")
        try await host.createInstance(tenant: "bravo", plugin: "probe", name: "b")
        let a = "/webhook/probe/a"
        let b = "/webhook/probe/b"

        // KV: the same keys, including crafted ones, hold different values per tenant.
        let keys = [
            "shared", "../bravo/shared", "bravo%2Fshared", "..%2F..%2Fhost.sqlite", String(repeating: "k", count: 1000),
        ]
        for key in keys {
            #expect(
                try await host.request(.PUT, "\(b)/kv/\(key)", body: Array("B-secret".utf8)).status == 204, "\(key)")
        }
        for key in keys {
            let fromA = try await host.request(.GET, "\(a)/kv/\(key)")
            #expect(fromA.status == 404, "A must not read B's \(key): \(fromA.text)")
            #expect(try await host.request(.PUT, "\(a)/kv/\(key)", body: Array("A-value".utf8)).status == 204)
            #expect(try await host.request(.GET, "\(a)/kv/\(key)").text == "A-value")
            #expect(try await host.request(.GET, "\(b)/kv/\(key)").text == "B-secret")
        }
        let listA = try await host.request(.GET, "\(a)/list?")
        #expect(!listA.text.contains("B-secret"))
        #expect((listA.json["keys"] as? [String] ?? []).count == keys.count)

        // SQL: the plugin's own table per tenant.
        #expect(
            try await host.request(.POST, "\(b)/sql", body: Array("INSERT INTO notes(body) VALUES ('bravo only')".utf8))
                .status == 200)
        let rowsA = try await host.request(.POST, "\(a)/query", body: Array("SELECT body FROM notes".utf8))
        #expect(rowsA.status == 200)
        #expect((rowsA.json["rows"] as? [[Any]] ?? []).isEmpty, "A sees no B rows: \(rowsA.text)")

        // ATTACH of B's database file, by absolute and relative path, is refused.
        let bravoFiles = try FileManager.default.subpathsOfDirectory(atPath: host.dataDirectory).filter {
            $0.hasSuffix("probe.sqlite")
        }
        #expect(bravoFiles.count == 2, "one database file per (tenant, plugin): \(bravoFiles)")
        for file in bravoFiles {
            for sql in ["ATTACH DATABASE '\(host.dataDirectory)/\(file)' AS other", "ATTACH '../../\(file)' AS other"] {
                let attach = try await host.request(.POST, "\(a)/sql", body: Array(sql.utf8))
                #expect(attach.status == 403, "\(sql): \(attach.text)")
            }
        }
        // Host-internal tables, extensions and schema writes are refused.
        for sql in [
            "SELECT * FROM _sb_kv", "SELECT load_extension('/tmp/x')", "PRAGMA writable_schema=1",
            "DROP TABLE _sb_migrations",
        ] {
            let denied = try await host.request(.POST, "\(a)/query", body: Array(sql.utf8))
            #expect(denied.status == 403 || denied.status == 400, "\(sql): \(denied.text)")
            #expect(denied.status != 200)
        }
        // And B's data is intact.
        let rowsB = try await host.request(.POST, "\(b)/query", body: Array("SELECT body FROM notes".utf8))
        #expect(rowsB.text.contains("bravo only"))
    }
}
