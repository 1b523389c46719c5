import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

@testable import SwitchboardHost

/// The built `switchboard serve` in a child process, with an environment of the test's own
/// (the test runner's `SWITCHBOARD_*` and legacy variables are left out) and its output in a
/// file. Every wait is a `Task.sleep` poll: nothing blocks Swift's cooperative pool.
final class ServeProcess: @unchecked Sendable {  // Process and the log file are used from one test at a time
    let process = Process()
    let port: Int
    let logFile: String

    /// Start `switchboard serve --port PORT` plus `arguments`.
    init(arguments: [String], environment: [String: String], logFile: String) throws {
        port = ServeProcessTests.freePort()
        self.logFile = logFile
        process.executableURL = URL(fileURLWithPath: Fixtures.binDir + "/switchboard")
        process.arguments = ["serve", "--port", "\(port)"] + arguments
        var inherited = ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("SWITCHBOARD_") && !LegacyEnvironment.mapping.contains { $0.variable == name }
        }
        inherited.merge(environment) { $1 }
        process.environment = inherited
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Whether `/readyz` answered 200 within 20 seconds.
    func waitUntilReady() async -> Bool {
        for _ in 0..<200 {
            if (try? await request(.GET, "/readyz"))?.status == 200 { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// SIGTERM, then wait (up to 30 s) for the exit; returns the exit status and the output.
    func terminate() async -> (status: Int32, output: String) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for _ in 0..<300 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<50 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        return (process.isRunning ? -1 : process.terminationStatus, output)
    }

    var output: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// One HTTP request over loopback; `token` adds the admin bearer header.
    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
