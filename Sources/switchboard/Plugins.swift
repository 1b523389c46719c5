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
            print("loaded \(object["name"] ?? "?") \(object["version"] ?? "?") (generation \(object["generation"] ?? "?")) from \(object["file"] ?? absolute)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the running server's plugins.")
        @OptionGroup var serverOptions: ServerOptions

        func run() async throws {
            let (status, body) = try await serverOptions.call(.GET, "/admin/v1/plugins")
            guard status == 200, let plugins = (body as? [String: Any])?["plugins"] as? [[String: Any]] else {
                throw ValidationError("server answered HTTP \(status)")
            }
            for plugin in plugins {
                let fields: [Any?] = [plugin["name"], plugin["state"], plugin["version"], plugin["file"], plugin["error"]]
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

        func run() async throws {
            var allPassed = true
            for path in paths {
                let report = await ConformanceChecker(cycles: cycles).check(file: path)
                print("== \(path)")
                for result in report.results {
                    print("\(result.passed ? "PASS" : "FAIL")  \(result.name)\(result.detail.isEmpty ? "" : ": \(result.detail)")")
                }
                allPassed = allPassed && report.passed
            }
            if !allPassed { throw ExitCode(1) }
        }
    }
}
