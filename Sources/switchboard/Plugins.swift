import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardHost

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load, list and check plugins.", subcommands: [Load.self, List.self, Check.self])

    /// How to reach a running server's admin API.
    struct ServerOptions: ParsableArguments {
        @Option(help: "Base URL of the running server.")
        var server = "http://127.0.0.1:8080"

        @Option(help: "Admin token (default: $SWITCHBOARD_ADMIN_TOKEN).")
        var token: String?

        func call(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> (Int, Any?) {
            guard let token = token ?? ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_TOKEN"] else {
                throw ValidationError("no admin token: pass --token or set SWITCHBOARD_ADMIN_TOKEN")
            }
            var request = HTTPClientRequest(url: server + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)))
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a plugin file into the running server.")

        @OptionGroup var serverOptions: ServerOptions
        @Argument(help: "Path to the plugin .so (inside a configured plugin directory).")
        var path: String

        func run() async throws {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let (status, body) = try await serverOptions.call(.POST, "/admin/v1/plugins/load", body: ["path": absolute])
            let object = body as? [String: Any] ?? [:]
            guard status == 201 else {
                FileHandle.standardError.write(Data("error: \(object["detail"] ?? "HTTP \(status)")\n".utf8))
                throw ExitCode(1)
            }
            print(
                "loaded \(object["name"] ?? "?") \(object["version"] ?? "?") (generation \(object["generation"] ?? "?")) from \(object["file"] ?? absolute)"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List plugins: the running server's, or with no server, the files it would load.")
        @OptionGroup var serverOptions: ServerOptions
        @OptionGroup var host: HostOptions

        func run() async throws {
            let answer = try? await serverOptions.call(.GET, "/admin/v1/plugins")
            guard let (status, body) = answer else {
                // No server: describe the plugin files without starting them.
                let configuration = try host.configuration()
                let catalog = FilePluginCatalog(
                    directories: configuration.resolvedPluginDirectories(executableDirectory: executableDirectory()),
                    enabled: configuration.enabledPlugins, sqlDialect: configuration.sqlDialect,
                    logger: makeLogger(level: .critical, redact: true))
                print("server at \(serverOptions.server) not reachable (or no admin token); plugin files found:")
                for manifest in catalog.manifests.values.sorted(by: { $0.name < $1.name }) {
                    print("\(manifest.name)  found  \(manifest.version)  abi \(manifest.abiMajor).\(manifest.abiMinor)")
                }
                for failure in catalog.failures { print("\(failure.file)  refused  \(failure.description)") }
                return
            }
            guard status == 200, let plugins = (body as? [String: Any])?["plugins"] as? [[String: Any]] else {
                throw ValidationError("server answered HTTP \(status)")
            }
            for plugin in plugins {
                let fields: [Any?] = [
                    plugin["name"], plugin["state"], plugin["version"], plugin["file"], plugin["error"],
                ]
                let line = fields.compactMap { $0.map { "\($0)" } }.joined(separator: "  ")
                print(line)
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the conformance checks on plugin files in a scratch host.")

        @Argument(help: "Plugin files to check.")
        var paths: [String]

        @Option(help: "Instance start/stop cycles.")
        var cycles = 1000

        @Flag(help: .hidden)
        var inProcess = false

        func run() async throws {
            var allPassed = true
            for path in paths {
                say("== \(path)")
                let passed = inProcess ? await checkHere(path) : try isolated(path)
                allPassed = allPassed && passed
            }
            if !allPassed { throw ExitCode(1) }
        }

        /// Run the checks in this process and print one line per check.
        private func checkHere(_ path: String) async -> Bool {
            let report = await ConformanceChecker(cycles: cycles).check(file: path) { result in
                say(
                    "\(result.passed ? "PASS" : "FAIL")  \(result.name)\(result.detail.isEmpty ? "" : ": \(result.detail)")"
                )
            }
            return report.passed
        }

        /// Run the checks for one file in a child process, so a plugin that crashes is
        /// reported as a failure instead of taking the checker down with it.
        private func isolated(_ path: String) throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["plugins", "check", "--in-process", "--cycles", "\(cycles)", path]
            // A crashing plugin should end the child at once: no crash-report helper process that
            // could outlive it and keep our pipe open.
            var environment = ProcessInfo.processInfo.environment
            environment["SWIFT_BACKTRACE"] = "enable=no"
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // Drop the child's own "== path" header.
            FileHandle.standardOutput.write(
                Data(
                    output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
                        .utf8))
            if process.terminationReason == .uncaughtSignal {
                say("FAIL  plugin crashed the scratch host (signal \(process.terminationStatus))")
                return false
            }
            return process.terminationStatus == 0
        }
    }
}

/// Write a line straight to standard output, unbuffered, so nothing is lost if a plugin crashes.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
