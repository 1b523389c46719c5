import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// The real `switchboard serve` binary: starts with the three plugins on the embedded SQLite
/// default, serves, and on SIGTERM finishes in-flight work and exits cleanly.
@Suite("switchboard serve")
struct ServeProcessTests {
    /// A loopback port for a child server: below the kernel's ephemeral range (32768 and up on
    /// Linux), where in-process hosts on port 0 and outgoing connections take theirs, never handed
    /// out twice in one run, and free when checked.
    static func freePort() -> Int {
        while true {
            let port = Int.random(in: 10000..<32000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if portIsFree(port) { return port }
        }
    }

    private static let handedOut = Mutex<Set<Int>>([])

    private static func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    @Test("serves the first-party plugins and shuts down gracefully on SIGTERM")
    func serveAndTerminate() async throws {
        let data = try Fixtures.temporaryDirectory("serve")
        let config = data + "/switchboard.toml"
        let port = Self.freePort()
        try """
        [server]
        port = \(port)
        [storage]
        data_dir = "\(data)/db"
        [plugins]
        enabled = ["evolution", "sms", "webchat"]
        [[instances]]
        tenant = "default"
        plugin = "evolution"
        name = "main"
        default = true
        settings = { evolution_url = "http://127.0.0.1:1", whatsapp_instance = "main" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.binDir + "/switchboard")
        process.arguments = ["serve", "--config", config]
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_ADMIN_TOKEN"] = "serve-token"
        process.environment = environment
        let logs = Pipe()
        process.standardError = logs
        process.standardOutput = logs
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var ready = false
        for _ in 0..<200 where !ready {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? await Self.get(port, "/readyz"))?.0 == 200
        }
        #expect(ready)
        let health = try await Self.get(port, "/webhook/evolution/main/health")
        #expect(health.0 == 200, "\(health.1)")
        #expect(FileManager.default.fileExists(atPath: data + "/db/host.sqlite"))

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let output = String(decoding: logs.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(output)")
        #expect(output.contains("plugins stopped"), "\(output)")
        #expect(!output.contains("serve-token"), "the admin token never reaches the logs")
    }

    @Test("a bad configuration file fails with the key named")
    func badConfig() async throws {
        let dir = try Fixtures.temporaryDirectory("badconfig")
        try "[server]\nprot = 8080\n".write(toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
        let (status, output) = try await Fixtures.run(
            Fixtures.binDir + "/switchboard", ["serve", "--config", dir + "/bad.toml"])
        #expect(status != 0)
        #expect(output.contains("server.prot"), "\(output)")
    }

    @Test("sdk include-path prints the folder holding the header")
    func includePath() async throws {
        let (status, output) = try await Fixtures.run(Fixtures.binDir + "/switchboard", ["sdk", "include-path"])
        #expect(status == 0)
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: path + "/switchboard_plugin.h"))
    }

    static func get(_ port: Int, _ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
