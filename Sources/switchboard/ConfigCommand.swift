import ArgumentParser
import Foundation
import SwitchboardHost

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load the configuration as `serve` does and print the effective values, secrets masked.",
            discussion: """
                Defaults, then the --config file, then the SWITCHBOARD_* environment (and the legacy \
                EVOLUTION_* variables, also from a .env beside the file), then --data-dir. Exits 1 \
                naming the key or variable when something is invalid. See docs/configuration.md.
                """)

        @OptionGroup var options: HostOptions

        func run() async throws {
            let configuration = try options.configuration()
            let masterKey = try Self.masterKey(
                environment: ProcessInfo.processInfo.environment, dataDirectory: configuration.dataDirectory)
            print("# effective configuration, secrets masked\n# master key: \(masterKey)\n")
            print(configuration.effectiveTOML(), terminator: "")
        }

        /// Where the master key comes from, checked but never shown. Nothing is created.
        static func masterKey(environment: [String: String], dataDirectory: String) throws -> String {
            let fromEnvironment = !(environment["SWITCHBOARD_MASTER_KEY"] ?? "").isEmpty
            let path = (dataDirectory as NSString).appendingPathComponent("master.key")
            guard fromEnvironment || FileManager.default.fileExists(atPath: path) else {
                return "\(path) (created on first start)"
            }
            // An existing key is only read and checked.
            _ = try SecretBox.load(environment: environment, dataDirectory: dataDirectory)
            return (fromEnvironment ? "SWITCHBOARD_MASTER_KEY" : path) + " = \"********\""
        }
    }
}
