import ArgumentParser
import Foundation
import SwitchboardHost

/// `switchboard assistant …`: a tenant's assistant (profile, agent, prompts, knowledge), through
/// the same admin service as `/admin/v1/tenants/{tenant}/assistant`.
struct AssistantCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assistant", abstract: "Show and change a tenant's assistant.",
        subcommands: [Show.self, Update.self, Reload.self, Prompts.self, Knowledge.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the assistant (the agent's key masked).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String

        func run() async throws {
            try await registryCommand { options.show(try options.service().assistant(tenant)) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change profile fields and the agent; other fields keep their values.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String
        @Option(help: "The assistant's name, as replies say it.") var name: String?
        @Option(help: "The company the assistant speaks for.") var company: String?
        @Option(help: "Language tag, e.g. en, pt-BR.") var language: String?
        @Option(help: "IANA time zone, e.g. Europe/Lisbon.") var timezone: String?
        @Option(help: #"The agent as JSON, e.g. '{"kind":"openai","base_url":"…","model":"…","api_key":"…"}'."#)
        var agent: String?

        func run() async throws {
            try await registryCommand {
                var changes: [String: Any] = [:]
                if let name { changes["assistant_name"] = name }
                if let company { changes["company_name"] = company }
                if let language { changes["language"] = language }
                if let timezone { changes["timezone"] = timezone }
                if let agent {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(agent.utf8)) as? [String: Any] else {
                        throw ValidationError("--agent must be a JSON object")
                    }
                    changes["agent"] = object
                }
                options.show(try options.service().updateAssistant(tenant, changes, merge: true))
            }
        }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a running server load the assistant again (it also does on every change).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Tenant id or slug.") var tenant: String

        func run() async throws {
            try await registryCommand {
                let service = try options.service()
                let record = try service.tenant(tenant)
                // Offline, a reload is a change-log entry the running server acts on.
                if let stored = try service.database.assistantSettings(tenantId: record.id) {
                    try service.database.setAssistantConfig(tenantId: record.id, json: stored.config, secrets: stored.secrets)
                }
                if !options.json { print("reload of \(record.slug)'s assistant requested") }
            }
        }
    }

    struct Prompts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prompts", abstract: "Prompt versions: list, add a draft, publish.",
            subcommands: [List.self, Add.self, Publish.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List prompt versions, newest first.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String

            func run() async throws {
                try await registryCommand {
                    options.table(
                        try options.service().prompts(tenant).map(AdminAPIJSON.prompt),
                        columns: ["id", "version", "status", "created_at"])
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Save a draft version.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String
            @Option(help: "The prompt text.") var content: String?
            @Option(help: "Read the prompt from this file.") var file: String?

            func run() async throws {
                try await registryCommand {
                    guard let text = try content ?? file.map({ try String(contentsOfFile: $0, encoding: .utf8) }) else {
                        throw ValidationError("pass --content or --file")
                    }
                    options.show(AdminAPIJSON.prompt(try options.service().createPrompt(tenant, content: text)))
                }
            }
        }

        struct Publish: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Publish a version (the previous one is archived).")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String
            @Argument(help: "Prompt id.") var id: String

            func run() async throws {
                try await registryCommand {
                    options.show(AdminAPIJSON.prompt(try options.service().publishPrompt(tenant, id: id)))
                }
            }
        }
    }

    struct Knowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "knowledge", abstract: "Knowledge items: list, add, update, delete.",
            subcommands: [List.self, Add.self, Update.self, Delete.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List knowledge items.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String

            func run() async throws {
                try await registryCommand {
                    options.table(try options.service().knowledge(tenant).map(AdminAPIJSON.knowledge), columns: ["id", "title"])
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a knowledge item.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String
            @Option(help: "Title.") var title: String
            @Option(help: "Text.") var text: String

            func run() async throws {
                try await registryCommand {
                    options.show(AdminAPIJSON.knowledge(try options.service().createKnowledge(tenant, title: title, text: text)))
                }
            }
        }

        struct Update: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change a knowledge item.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String
            @Argument(help: "Item id.") var id: String
            @Option(help: "New title.") var title: String?
            @Option(help: "New text.") var text: String?

            func run() async throws {
                try await registryCommand {
                    options.show(
                        AdminAPIJSON.knowledge(try options.service().updateKnowledge(tenant, id: id, title: title, text: text)))
                }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a knowledge item.")
            @OptionGroup var options: RegistryOptions
            @Argument(help: "Tenant id or slug.") var tenant: String
            @Argument(help: "Item id.") var id: String

            func run() async throws {
                try await registryCommand {
                    try options.service().deleteKnowledge(tenant, id: id)
                    if !options.json { print("deleted \(id)") }
                }
            }
        }
    }
}
