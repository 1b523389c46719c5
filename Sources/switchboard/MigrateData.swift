import ArgumentParser
import Foundation
import Logging
import SwitchboardHost

/// `switchboard migrate-data --from sqlite:PATH --to postgres://…`: moves an embedded install to
/// PostgreSQL (see ``DataMigration``).
struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Copy an embedded (SQLite) install into an empty PostgreSQL database.",
        discussion:
            "Copies the registry, conversations, queues and every plugin store in one PostgreSQL transaction, "
            + "then checks the row counts. Stop the host first; the target must hold no data. Secrets stay "
            + "encrypted: every host on PostgreSQL needs the install's master key.")

    @Option(help: "The install: sqlite:PATH, PATH its data directory or its host.sqlite.")
    var from: String

    @Option(help: "The target: postgres://user[:password]@host[:port]/database[?schema=S].")
    var to: String

    func run() async throws {
        do {
            let migration = DataMigration(
                source: try SQLiteSource(argument: from), target: try PostgresTarget(argument: to),
                logger: makeLogger(level: .warning, redact: true))
            print(try migration.run().text)
        } catch let error as DataMigrationError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
