import Foundation
import Synchronization
import Testing

@testable import SwitchboardHost

/// Adding and replacing plugins in a running server, with no restart.
@Suite("Hot add and reload")
struct HotLoadTests {
    @Test("a C plugin compiled during the test is loaded over the admin API and answers on its route")
    func hotAddCompiledPlugin() async throws {
        let host = try await LiveHost.start(label: "hotadd")
        defer { Task { await host.stop() } }
        #expect(try await host.request(.GET, "/webhook/hello/greeter/hello").status == 404)
        let file = try await Fixtures.compileFixture("hello", into: host.pluginDirectory)
        let load = try await host.admin(.POST, "/plugins/load", json: ["path": file])
        #expect(load.status == 201, "\(load.text)")
        #expect(load.json["name"] as? String == "hello")
        #expect(load.json["abi"] as? String == "1.0", "hello is built as a 1.0 plugin, and loads")
        try await host.createInstance(tenant: "acme", plugin: "hello", name: "greeter")
        let reply = try await host.request(.GET, "/webhook/hello/greeter/hello")
        #expect(reply.status == 200)
        #expect(reply.text.contains("hello from C"))
        // Loading the same file again is refused: a new version needs a new file name.
        let again = try await host.admin(.POST, "/plugins/load", json: ["path": file])
        #expect(again.status == 409)
    }

    @Test("the CLI's plugins load calls the running server")
    func cliLoad() async throws {
        let host = try await LiveHost.start(label: "cliload")
        defer { Task { await host.stop() } }
        let file = try await Fixtures.compileFixture("versioned", into: host.pluginDirectory)
        let (status, output) = try await Fixtures.run(
            Fixtures.binDir + "/switchboard",
            ["plugins", "load", file, "--server", "http://127.0.0.1:\(host.port)", "--token", LiveHost.adminToken])
        #expect(status == 0, "\(output)")
        #expect(output.contains("loaded versioned 1.0.0"))
        let refused = try await Fixtures.run(
            Fixtures.binDir + "/switchboard",
            [
                "plugins", "load", "/etc/hostname", "--server", "http://127.0.0.1:\(host.port)", "--token",
                LiveHost.adminToken,
            ])
        #expect(refused.0 != 0)
        #expect(refused.1.contains("outside the configured plugin directories"))
    }

    @Test("a new version under a new file name takes over with no failed request")
    func reloadWithoutFailures() async throws {
        let host = try await LiveHost.start(label: "reload")
        defer { Task { await host.stop() } }
        let v1 = try await Fixtures.compileFixture(
            "versioned", into: host.pluginDirectory, as: "libversioned-1.so", defines: [#"VERSION="1.0.0""#])
        #expect(try await host.admin(.POST, "/plugins/load", json: ["path": v1]).status == 201)
        try await host.createInstance(tenant: "acme", plugin: "versioned", name: "a")
        try await host.createInstance(tenant: "globex", plugin: "versioned", name: "b")
        let v2 = try await Fixtures.compileFixture(
            "versioned", into: host.pluginDirectory, as: "libversioned-2.so", defines: [#"VERSION="2.0.0""#])

        let stop = StopFlag()
        async let traffic: [Int: Int] = withTaskGroup(of: [Int: Int].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var statuses: [Int: Int] = [:]
                    while !stop.isSet {
                        let path = worker % 2 == 0 ? "/webhook/versioned/a/version" : "/webhook/versioned/b/version"
                        let status = (try? await host.request(.GET, path).status) ?? -1
                        statuses[status, default: 0] += 1
                    }
                    return statuses
                }
            }
            return await group.reduce(into: [:]) { total, part in total.merge(part, uniquingKeysWith: +) }
        }
        try await Task.sleep(for: .milliseconds(200))
        let load = try await host.admin(.POST, "/plugins/load", json: ["path": v2])
        try await Task.sleep(for: .milliseconds(200))
        stop.set()
        let statuses = await traffic
        #expect(load.status == 201, "\(load.text)")
        #expect(load.json["generation"] as? Int ?? 0 > 1)
        #expect(statuses.keys.sorted() == [200], "every request during the switch succeeded: \(statuses)")
        #expect(statuses[200, default: 0] > 10)
        for name in ["a", "b"] {
            let after = try await host.request(.GET, "/webhook/versioned/\(name)/version")
            #expect(after.json["version"] as? String == "2.0.0")
        }
        let plugins = try await host.admin(.GET, "/plugins").json["plugins"] as? [[String: Any]] ?? []
        let versioned = plugins.filter { $0["name"] as? String == "versioned" && $0["state"] as? String == "loaded" }
        #expect(versioned.count == 1)
        #expect(versioned.first?["version"] as? String == "2.0.0")
    }
}

/// A flag worker tasks poll to know when to stop.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
