import ArgumentParser
import Foundation
import Logging
import SwitchboardHost

@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A multi-tenant messaging host that loads channel plugins as shared libraries.",
        subcommands: [
            Serve.self, Tenants.self, Instances.self, APIKeyCommands.self, AssistantCommands.self, Plugins.self,
            Migrate.self, MigrateData.self, Seed.self,
            ConfigCommand.self, SDK.self,
        ])
}

/// Options shared by the commands that build a host.
struct HostOptions: ParsableArguments {
    @Option(help: "Path to a TOML configuration file.")
    var config: String?

    @Option(help: "Directory for the embedded SQLite databases (default ./data).")
    var dataDir: String?

    func configuration() throws -> HostConfiguration {
        var configuration = try HostConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        return configuration
    }
}

/// The directory of the running executable, where `swift build` puts the plugin libraries.
func executableDirectory() -> String {
    let path =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return (path as NSString).deletingLastPathComponent
}

func makeLogger(level: Logger.Level, redact: Bool) -> Logger {
    let redactor = Redactor(redactContent: redact)
    var logger = Logger(label: "switchboard") { label in
        RedactingLogHandler(wrapping: StreamLogHandler.standardError(label: label), redactor: redactor)
    }
    logger.logLevel = level
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server.")

    @OptionGroup var options: HostOptions

    @Option(help: "Port to listen on (default 8080).")
    var port: Int?

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Flag(help: "Development mode: generate and print an admin token when none is configured.")
    var dev = false

    func run() async throws {
        var configuration = try options.configuration()
        if let port { configuration.port = port }
        if let host { configuration.host = host }
        if dev && configuration.adminToken == nil {
            var bytes = [UInt8](repeating: 0, count: 24)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
            let token = "sbdev_" + bytes.map { String(format: "%02x", $0) }.joined()
            configuration.adminToken = token
            FileHandle.standardOutput.write(Data("development admin token: \(token)\n".utf8))
        }
        let logger = makeLogger(level: configuration.logLevel, redact: configuration.redactLogs)
        let server = try HostServer(
            configuration: configuration, executableDirectory: executableDirectory(), logger: logger)
        logger.info(
            "starting", metadata: ["port": "\(configuration.port)", "data_dir": "\(configuration.dataDirectory)"])
        try await server.run()
    }
}

struct SDK: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk", abstract: "Plugin author tools.", subcommands: [IncludePath.self])

    struct IncludePath: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "include-path", abstract: "Print the folder that holds switchboard_plugin.h.")

        func run() async throws {
            guard let path = HeaderLocator.includePath(executableDirectory: executableDirectory()) else {
                throw ValidationError("switchboard_plugin.h not found; set SWITCHBOARD_INCLUDE_DIR")
            }
            print(path)
        }
    }
}
