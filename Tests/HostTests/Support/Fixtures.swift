import Foundation

/// Where the repository, the ABI header, the built plugins and the C fixtures are.
enum Fixtures {
    /// Set (to the test server's URL) when `SWITCHBOARD_TEST_HOST_BACKEND=postgres`: live hosts
    /// then keep their registry and conversations on PostgreSQL instead of `host.sqlite`.
    /// The test PostgreSQL server scripts/test starts (`SWITCHBOARD_TEST_POSTGRES_URL`).
    static let postgresURL = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"]
    /// Under CI the PostgreSQL tests run (and fail without a server) instead of being skipped.
    static let isCI = ProcessInfo.processInfo.environment["CI"] != nil

    static let hostPostgresURL: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["SWITCHBOARD_TEST_HOST_BACKEND"] == "postgres" else { return nil }
        return environment["SWITCHBOARD_TEST_POSTGRES_URL"]
    }()

    /// The repository root (this file is Tests/HostTests/Support/Fixtures.swift).
    static let repoRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path

    static let includeDir = repoRoot + "/Sources/PluginAPI/include"
    static let pluginSources = repoRoot + "/Tests/Fixtures/plugins"

    /// The build's bin folder: the test binary sits beside the plugin libraries.
    static let binDir: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }()

    /// A fresh temporary directory.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sb-\(label)-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct CompileError: Error, CustomStringConvertible {
        var description: String
    }

    /// Compile a C plugin with plain `cc` against the header, as a third party would.
    @discardableResult
    static func compile(source: String, to output: String, defines: [String] = []) async throws -> String {
        var arguments = ["-shared", "-fPIC", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", includeDir]
        arguments += defines.map { "-D" + $0 }
        arguments += ["-o", output, source]
        let (status, output2) = try await run("/usr/bin/env", ["cc"] + arguments)
        guard status == 0 else { throw CompileError(description: "cc failed (\(status)): \(output2)") }
        return output
    }

    /// Compile the C echo example (`examples/c-echo`) into a plugin directory as `libecho.so`.
    @discardableResult
    static func compileEcho(into directory: String) async throws -> String {
        try await compile(source: repoRoot + "/examples/c-echo/echo.c", to: directory + "/libecho.so")
    }

    /// Compile a fixture from Tests/Fixtures/plugins.
    @discardableResult
    static func compileFixture(
        _ name: String, into directory: String, as fileName: String? = nil, defines: [String] = []
    ) async throws -> String {
        try await compile(
            source: "\(pluginSources)/\(name).c", to: "\(directory)/\(fileName ?? "lib\(name).so")", defines: defines)
    }

    /// Run a program and collect its combined output. The blocking wait happens on a Dispatch
    /// thread, never on Swift's cooperative pool (two threads here), so slow compiles and CLI
    /// runs cannot starve the servers the tests talk to.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }

    /// Polls `check` every 25 ms until it holds or `seconds` pass; the last answer decides.
    /// For effects that happen in the background; how fast they happen is for the benchmarks.
    static func eventually(_ seconds: Int = 10, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return try await check()
    }
}
