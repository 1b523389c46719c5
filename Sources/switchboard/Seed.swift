import ArgumentParser
import Foundation
import SwitchboardHost

/// `switchboard seed --demo`: three demo tenants, each with an instance of every first-party
/// plugin and its own assistant, so a fresh install has something to talk to. Safe to repeat:
/// what exists is left as it is.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create demo data.")

    @OptionGroup var options: RegistryOptions

    @Flag(help: "Three demo tenants with WhatsApp, SMS and web-chat instances and distinct assistants.")
    var demo = false

    struct DemoTenant {
        var slug: String
        var name: String
        var assistant: String
        var language: String
        var timezone: String
    }

    static let tenants = [
        DemoTenant(slug: "acme", name: "Acme Pet Care", assistant: "Alice", language: "en", timezone: "America/New_York"),
        DemoTenant(slug: "globex", name: "Globex Dental", assistant: "Bruno", language: "pt", timezone: "America/Sao_Paulo"),
        DemoTenant(slug: "initech", name: "Initech Plumbing", assistant: "Carmen", language: "es", timezone: "Europe/Madrid"),
    ]

    static let channels = [("evolution", "whatsapp"), ("sms", "sms"), ("webchat", "web")]

    func run() async throws {
        guard demo else { throw ValidationError("nothing to seed: pass --demo") }
        try await registryCommand {
            let service = try options.service()
            var report: [[String: Any]] = []
            for demo in Self.tenants {
                let tenant = try (try? service.tenant(demo.slug)) ?? service.createTenant(slug: demo.slug, name: demo.name)
                if try service.database.assistantConfig(tenantId: tenant.id) == nil {
                    let profile: [String: Any] = [
                        "assistant_name": demo.assistant, "company_name": demo.name, "language": demo.language,
                        "timezone": demo.timezone,
                    ]
                    let data = try JSONSerialization.data(withJSONObject: profile, options: [.sortedKeys])
                    try service.database.setAssistantConfig(tenantId: tenant.id, json: String(decoding: data, as: UTF8.self))
                }
                var row: [String: Any] = ["tenant": tenant.slug, "assistant": demo.assistant]
                for (plugin, suffix) in Self.channels {
                    let name = "\(demo.slug)-\(suffix)"
                    guard service.catalog.manifest(of: plugin) != nil else {
                        row[plugin] = "plugin not found"
                        continue
                    }
                    var record = try? service.instance("\(plugin)/\(name)")
                    if record == nil {
                        record = try await service.createInstance(
                            AdminService.NewInstance(tenant: tenant.id, plugin: plugin, name: name))
                    }
                    guard let record else { continue }
                    row[plugin] = "/webhook/\(plugin)/\(record.name)"
                    if plugin == "webchat",
                        try !service.apiKeys(tenant: tenant.id).contains(where: { $0.instanceId == record.id && $0.revokedAt == nil })
                    {
                        row["widget_key"] = try service.createAPIKey(tenant: tenant.id, scope: "widget", instance: record.id).key
                    }
                }
                report.append(row)
            }
            if options.json {
                printJSON(["tenants": report])
            } else {
                for row in report {
                    print("\(row["tenant"]!): assistant \(row["assistant"]!)")
                    for key in ["evolution", "sms", "webchat", "widget_key"] {
                        if let value = row[key] { print("  \(key): \(value)") }
                    }
                }
            }
        }
    }
}
