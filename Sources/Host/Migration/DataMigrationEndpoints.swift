import Foundation
import SwitchboardPostgres
import SwitchboardStorage

/// The embedded install to move: `sqlite:PATH`, PATH the data directory or its `host.sqlite`.
public struct SQLiteSource: Sendable, Hashable {
    /// The data directory (holds `host.sqlite`, `master.key` and `tenants/`).
    public let dataDirectory: String

    /// The registry file.
    public var hostDatabasePath: String { (dataDirectory as NSString).appendingPathComponent("host.sqlite") }

    /// The master key file (it may be missing when the key comes from the environment).
    public var masterKeyPath: String { (dataDirectory as NSString).appendingPathComponent("master.key") }

    /// Parses `--from`.
    /// - Throws: badSource unless it starts with `sqlite:` and names a path; missingSource when
    ///   there is no `host.sqlite` there.
    public init(argument: String) throws {
        guard argument.hasPrefix("sqlite:") else {
            throw DataMigrationError(
                .badSource, "--from must be sqlite:PATH (the data directory of an embedded install), not \(argument)")
        }
        var path = String(argument.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
        guard !path.isEmpty else {
            throw DataMigrationError(.badSource, "--from sqlite: needs a path: sqlite:/var/lib/switchboard")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataMigrationError(.missingSource, "--from \(argument): \(path) does not exist")
        }
        let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        dataDirectory = directory.isEmpty ? "." : directory
        guard FileManager.default.fileExists(atPath: hostDatabasePath) else {
            throw DataMigrationError(
                .missingSource, "--from \(argument): no host.sqlite in \(dataDirectory) (is it a data directory?)")
        }
        if !isDirectory.boolValue, (path as NSString).lastPathComponent != "host.sqlite" {
            throw DataMigrationError(.badSource, "--from \(argument): a file must be the install's host.sqlite")
        }
    }

    /// One plugin store file: `tenants/<tenant>/plugins/<plugin>.sqlite`.
    public struct PluginFile: Sendable, Hashable {
        public var tenant: String
        public var plugin: String
        public var path: String
    }

    /// Every plugin store file, by tenant then plugin.
    public func pluginFiles() -> [PluginFile] {
        let fileManager = FileManager.default
        let tenantsDirectory = (dataDirectory as NSString).appendingPathComponent("tenants")
        var files: [PluginFile] = []
        for tenant in ((try? fileManager.contentsOfDirectory(atPath: tenantsDirectory)) ?? []).sorted() {
            let pluginsDirectory = "\(tenantsDirectory)/\(tenant)/plugins"
            for name in ((try? fileManager.contentsOfDirectory(atPath: pluginsDirectory)) ?? []).sorted()
            where name.hasSuffix(".sqlite") {
                files.append(
                    PluginFile(
                        tenant: tenant, plugin: String(name.dropLast(".sqlite".count)),
                        path: "\(pluginsDirectory)/\(name)"))
            }
        }
        return files
    }
}

/// The PostgreSQL database to fill: `postgres://user[:password]@host[:port]/database[?schema=S]`.
public struct PostgresTarget: Sendable {
    /// The URL as given (it may hold a password: never print it).
    let url: String
    /// The parsed connection settings.
    public let configuration: PostgresSQLDatabase.Configuration

    /// Parses `--to`.
    /// - Throws: badTarget naming what is wrong (never the password).
    public init(argument: String) throws {
        guard argument.hasPrefix("postgres://") || argument.hasPrefix("postgresql://") else {
            throw DataMigrationError(.badTarget, "--to must be postgres://user@host:port/database[?schema=S]")
        }
        do {
            configuration = try PostgresSQLDatabase.Configuration(url: argument)
        } catch let error as StorageError {
            throw DataMigrationError(.badTarget, "--to: \(error.message)")
        }
        url = argument
    }

    /// The URL with its password, if any, shown as `********`: what to put in `database.url`.
    public var maskedURL: String { DatabaseLocation.postgres(url: url).maskedURL ?? "postgres" }

    /// Where it is, without credentials.
    public var redacted: String {
        DatabaseLocation.postgres(url: url).redacted + (configuration.schema.map { " (schema \($0))" } ?? "")
    }
}
