import ArgumentParser
import Foundation
import Logging
import SwitchboardHost
import SwitchboardStorage

/// The registry as the CLI sees it: the same ``AdminService`` the admin API uses, writing to
/// the registry file directly, so it works whether or not a server runs. A running server
/// applies these writes within a second (it watches the registry's change log).
struct RegistryOptions: ParsableArguments {
    @OptionGroup var host: HostOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func service() throws -> AdminService {
        let configuration = try host.configuration()
        let logger = makeLogger(level: .warning, redact: true)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let database = try configuration.openDatabase(logger: logger)
        let catalog = FilePluginCatalog(
            directories: configuration.resolvedPluginDirectories(executableDirectory: executableDirectory()),
            enabled: configuration.enabledPlugins, sqlDialect: configuration.sqlDialect, logger: logger)
        for failure in catalog.failures { logger.warning("\(failure.description)") }
        let box = try SecretBox.load(
            environment: ProcessInfo.processInfo.environment, dataDirectory: configuration.dataDirectory)
        return AdminService(
            database: database, catalog: catalog, secrets: InstanceSecrets(box: box, logger: logger),
            apiKeys: APIKeys(database: database),
            storage: try configuration.openPluginStorage(beside: database, logger: logger), runtime: nil)
    }

    /// Print one object: JSON with --json, else `key: value` lines.
    func show(_ object: [String: Any]) {
        if json {
            printJSON(object)
            return
        }
        for key in object.keys.sorted() {
            let value = object[key]!
            let text =
                value is [String: Any] || value is [Any]
                ? String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data(), as: UTF8.self)
                : "\(value)"
            print("\(key): \(text)")
        }
    }

    /// Print rows: JSON `{items}` with --json, else an aligned table of `columns`.
    func table(_ rows: [[String: Any]], columns: [String]) {
        if json {
            printJSON(["items": rows])
            return
        }
        let cells = [columns] + rows.map { row in columns.map { row[$0].map { "\($0)" } ?? "" } }
        let widths = columns.indices.map { index in cells.map { $0[index].count }.max() ?? 0 }
        for line in cells {
            print(
                line.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

func printJSON(_ object: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

/// Runs a registry command, turning admin problems into a one-line error and exit status 1.
func registryCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let problem as Problem {
        let field = problem.field.map { " (\($0))" } ?? ""
        FileHandle.standardError.write(Data("error: \(problem.detail)\(field)\n".utf8))
        throw ExitCode(problem.status == 404 ? 2 : 1)
    } catch let error as HostConfiguration.Invalid {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

// MARK: - tenants

struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, update and delete tenants.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Slug: lower-case letters, digits and dashes.") var slug: String
        @Option(help: "Display name (default: the slug).") var name: String?

        func run() async throws {
            try await registryCommand {
                options.show(AdminAPIJSON.tenant(try options.service().createTenant(slug: slug, name: name)))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var options: RegistryOptions

        func run() async throws {
            try await registryCommand {
                options.table(
                    try options.service().tenants().map(AdminAPIJSON.tenant), columns: ["id", "slug", "name", "status"])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                let record = try service.tenant(tenant)
                var object = AdminAPIJSON.tenant(record)
                if let assistant = try service.database.assistantConfig(tenantId: record.id) {
                    object["assistant"] = (try? JSONSerialization.jsonObject(with: Data(assistant.utf8))) ?? assistant
                }
                options.show(object)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename, suspend or resume a tenant.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String
        @Option(help: "New slug.") var slug: String?
        @Option(help: "New display name.") var name: String?
        @Option(help: "active or suspended.") var status: String?

        func run() async throws {
            try await registryCommand {
                options.show(
                    AdminAPIJSON.tenant(
                        try await options.service().updateTenant(tenant, slug: slug, name: name, status: status)))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a tenant with its instances, API keys, messages and plugin storage.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String
        @Flag(help: "Confirm: deleting cannot be undone.") var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("deleting a tenant cannot be undone; add --yes to confirm") }
            try await registryCommand {
                try await options.service().deleteTenant(tenant)
                if !options.json { print("deleted tenant \(tenant)") }
            }
        }
    }
}

// MARK: - instances

struct Instances: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, update, reload and delete channel instances.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Reload.self, Delete.self])

    /// Settings from `--settings JSON` and `--set key=value` (values parsed as JSON when they
    /// parse, else taken as strings).
    struct SettingsOptions: ParsableArguments {
        @Option(help: "Settings as a JSON object.") var settings: String?
        @Option(name: .customLong("set"), help: "One setting as key=value (repeatable).") var assignments: [String] = []

        /// nil when neither option was given.
        func json(base: [String: Any]?) throws -> String? {
            guard settings != nil || !assignments.isEmpty else { return nil }
            var object = base ?? [:]
            if let settings {
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(settings.utf8)) as? [String: Any] else {
                    throw ValidationError("--settings must be a JSON object")
                }
                object = parsed
            }
            for assignment in assignments {
                guard let equals = assignment.firstIndex(of: "=") else {
                    throw ValidationError("--set takes key=value, got \(assignment)")
                }
                let key = String(assignment[..<equals])
                let raw = String(assignment[assignment.index(after: equals)...])
                object[key] =
                    (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: [.fragmentsAllowed])) ?? raw
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an instance of a plugin for a tenant.")
        @OptionGroup var options: RegistryOptions
        @OptionGroup var settings: SettingsOptions
        @Option(help: "Tenant id or slug.") var tenant: String
        @Option(help: "Plugin name (evolution, sms, webchat, …).") var plugin: String
        @Option(help: "Instance name, unique per plugin; used in webhook URLs.") var name: String
        @Flag(name: .customLong("default"), help: "Make it the plugin's default instance.") var isDefault = false
        @Flag(help: "Create it disabled.") var disabled = false
        @Option(name: .customLong("hostname"), help: "A host name whose alias-route requests it answers (repeatable).")
        var hostnames: [String] = []

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                var input = AdminService.NewInstance(tenant: tenant, plugin: plugin, name: name)
                input.hostnames = hostnames
                input.isDefault = isDefault
                input.enabled = !disabled
                input.settingsJSON = try settings.json(base: nil) ?? "{}"
                options.show(service.instanceJSON(try await service.createInstance(input)))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List instances.")
        @OptionGroup var options: RegistryOptions
        @Option(help: "Only this tenant's (id or slug).") var tenant: String?
        @Option(help: "Only this plugin's.") var plugin: String?

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                options.table(
                    try service.instances(tenant: tenant, plugin: plugin).map {
                        service.instanceJSON($0)
                    }, columns: ["id", "tenant_id", "plugin", "name", "is_default", "enabled"])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an instance (secrets masked).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Instance id or plugin/name.") var instance: String

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                options.show(service.instanceJSON(try service.instance(instance)))
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an instance's settings (--set merges, --settings replaces), enable or disable it.")
        @OptionGroup var options: RegistryOptions
        @OptionGroup var settings: SettingsOptions
        @Argument(help: "Instance id or plugin/name.") var instance: String
        @Flag(help: "Enable it.") var enable = false
        @Flag(help: "Disable it (its routes stop answering).") var disable = false
        @Flag(name: .customLong("default"), help: "Make it the plugin's default instance.") var isDefault = false
        @Option(name: .customLong("hostname"), help: "Replace its host names (repeatable).") var hostnames: [String] = []
        @Flag(help: "Remove all its host names.") var clearHostnames = false

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                guard !(enable && disable) else { throw ValidationError("--enable or --disable, not both") }
                guard !(clearHostnames && !hostnames.isEmpty) else {
                    throw ValidationError("--hostname or --clear-hostnames, not both")
                }
                let record = try service.instance(instance)
                // --set alone merges into the current settings (secrets kept as the mask keeps them).
                let current = AdminAPIJSON.instance(record, secrets: service.secrets)["settings"] as? [String: Any]
                let changes = AdminService.InstanceChanges(
                    settingsJSON: try settings.json(base: current), enabled: enable ? true : (disable ? false : nil),
                    isDefault: isDefault ? true : nil,
                    hostnames: clearHostnames ? [] : (hostnames.isEmpty ? nil : hostnames))
                options.show(
                    service.instanceJSON(try await service.updateInstance(record.id, changes)))
            }
        }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-inject an instance's configuration into the running server.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Instance id or plugin/name.") var instance: String

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                // Offline, a reload is a touch: the running server sees the change and re-applies it.
                let record = try await service.updateInstance(instance, AdminService.InstanceChanges())
                if !options.json { print("reload of \(record.plugin)/\(record.name) requested") }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an instance.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Instance id or plugin/name.") var instance: String

        func run() async throws {
            try await registryCommand {
                try await options.service().deleteInstance(instance)
                if !options.json { print("deleted instance \(instance)") }
            }
        }
    }
}

// MARK: - apikeys

struct APIKeyCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikeys", abstract: "Create, list and revoke tenant API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key. It is printed once; only its hash is stored.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String
        @Option(help: "tenant (the tenant API) or widget (a publishable web-chat key).") var scope = "tenant"
        @Option(help: "The web-chat instance a widget key belongs to (id or plugin/name).") var instance: String?

        func run() async throws {
            try await registryCommand {
                let created = try options.service().createAPIKey(tenant: tenant, scope: scope, instance: instance)
                var object = AdminAPIJSON.apiKey(created.record)
                object["key"] = created.key
                options.show(object)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's keys (never the keys themselves).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String

        func run() async throws {
            try await registryCommand {
                options.table(
                    try options.service().apiKeys(tenant: tenant).map(AdminAPIJSON.apiKey),
                    columns: ["id", "prefix", "scope", "revoked", "last_used_at"])
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String
        @Argument(help: "Key id.") var id: String

        func run() async throws {
            try await registryCommand {
                try options.service().revokeAPIKey(tenant: tenant, id: id)
                if !options.json { print("revoked \(id)") }
            }
        }
    }
}

// MARK: - migrate

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending registry migrations (the server also applies them on start).")
    @OptionGroup var host: HostOptions

    func run() async throws {
        let configuration = try host.configuration()
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let logger = makeLogger(level: .warning, redact: true)
        let (connection, description) = try configuration.openSQLDatabase(logger: logger)
        let before = try Migrator.appliedMigrations(in: connection)
        let database = try HostDatabase(database: connection, description: description, logger: logger)
        let after = try Migrator.appliedMigrations(in: database.connection)
        let applied = after.filter { !before.contains($0) }
        print(
            applied.isEmpty
                ? "\(database.path): up to date (\(after.last ?? "no migrations"))"
                : "\(database.path): applied \(applied.joined(separator: ", "))")
    }
}
