import Foundation
import SwitchboardStorage

/// A tenant's assistant: profile and agent settings, prompt versions, knowledge items.
extension AdminService {
    /// Fields of the assistant configuration (`PUT`/`PATCH …/assistant`).
    public static let assistantFields: Set<String> = ["assistant_name", "company_name", "language", "timezone", "agent"]
    /// Agent settings stored sealed, never shown.
    static let agentSecretFields: Set<String> = ["api_key"]

    /// The assistant as the API shows it (the agent's key masked).
    public func assistant(_ tenantKey: String) throws -> [String: Any] {
        let tenant = try tenant(tenantKey)
        let stored = try database.assistantSettings(tenantId: tenant.id)
        var object = SecretSettings.object(stored?.config ?? "{}")
        let profile = AssistantProfile(configuration: object)
        object["assistant_name"] = profile.assistantName
        object["company_name"] = profile.companyName
        object["language"] = profile.language
        object["timezone"] = profile.timezone
        var agent = object["agent"] as? [String: Any] ?? [:]
        // No kind is the template, as the assistant directory reads it.
        if agent["kind"] == nil { agent["kind"] = "template" }
        for name in secrets.open(stored?.secrets, owner: ["tenant": "\(tenant.id)"]).keys { agent[name] = SecretSettings.mask }
        object["agent"] = agent
        object["tenant_id"] = tenant.id
        object["prompt"] = try database.publishedPrompt(tenantId: tenant.id).map(AdminAPIJSON.prompt) ?? NSNull()
        object["knowledge_items"] = try database.knowledgeItems(tenantId: tenant.id).count
        return object
    }

    /// Replace (`merge` false) or merge into the assistant configuration. The agent's key travels
    /// in `agent.api_key` and is stored sealed; sending the mask back keeps it.
    public func updateAssistant(_ tenantKey: String, _ changes: [String: Any], merge: Bool) throws -> [String: Any] {
        let tenant = try tenant(tenantKey)
        let stored = try database.assistantSettings(tenantId: tenant.id)
        let storedConfig = SecretSettings.object(stored?.config ?? "{}")
        var config = merge ? storedConfig : [:]
        // The stored agent's kind (no stored agent is the template): the mask keeps its key only
        // for an agent of the same kind, whether the agent comes in a PUT or a PATCH.
        let previousKind = (storedConfig["agent"] as? [String: Any])?["kind"] as? String ?? "template"
        // A PUT without an agent goes back to the template, and the stored key goes with the agent.
        var agentSecrets = merge || changes["agent"] != nil ? secrets.open(stored?.secrets, owner: ["tenant": "\(tenant.id)"]) : [:]
        // In sorted order, so a request with several bad fields always names the same one.
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "assistant_name", "company_name":
                guard let text = value as? String else {
                    throw Problem.unprocessable("\(key) must be a string", field: key)
                }
                try Self.requireText(text, field: key, maxLength: 100)
                config[key] = text
            case "language":
                guard let text = value as? String, Self.isLanguageTag(text) else {
                    throw Problem.unprocessable("language must be a language tag such as en or pt-BR", field: key)
                }
                config[key] = text
            case "timezone":
                guard let text = value as? String, TimeZone(identifier: text) != nil else {
                    throw Problem.unprocessable("timezone must be an IANA time zone such as Europe/Lisbon", field: key)
                }
                config[key] = text
            case "agent":
                guard var agent = value as? [String: Any] else {
                    throw Problem.unprocessable("agent must be an object", field: "agent")
                }
                guard let kind = agent["kind"] as? String, !kind.isEmpty else {
                    throw Problem.unprocessable("agent.kind is required: template, http or openai", field: "agent.kind")
                }
                var secrets: [String: Any] = [:]
                for name in Self.agentSecretFields {
                    guard let secret = agent.removeValue(forKey: name) else { continue }
                    if secret is NSNull { continue }
                    if let text = secret as? String, text == SecretSettings.mask {
                        if let kept = agentSecrets[name], previousKind == kind { secrets[name] = kept }
                        continue
                    }
                    guard let text = secret as? String else {
                        throw Problem.unprocessable("agent.\(name) must be a string", field: "agent.\(name)")
                    }
                    secrets[name] = text
                }
                do {
                    _ = try AgentSettings(agentObject: agent.merging(secrets) { $1 })
                } catch {
                    throw Problem.unprocessable(error.description, field: error.field)
                }
                config["agent"] = agent
                agentSecrets = secrets
            default:
                throw Problem.unprocessable("unknown field \(key)", field: key)
            }
        }
        try database.setAssistantConfig(
            tenantId: tenant.id, json: SecretSettings.json(config), secrets: try secrets.seal(agentSecrets))
        assistants?.invalidate(tenantId: tenant.id)
        return try assistant(tenant.id)
    }

    /// Drop the cached assistant so the next message loads it from storage.
    public func reloadAssistant(_ tenantKey: String) throws {
        let tenant = try tenant(tenantKey)
        assistants?.invalidate(tenantId: tenant.id)
    }

    public func prompts(_ tenantKey: String) throws -> [PromptRecord] {
        try database.prompts(tenantId: try tenant(tenantKey).id)
    }

    public func createPrompt(_ tenantKey: String, content: String) throws -> PromptRecord {
        let tenant = try tenant(tenantKey)
        guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, content.utf8.count <= 64 * 1024 else {
            throw Problem.unprocessable("content must be 1 to 65536 bytes of text", field: "content")
        }
        let record = try database.createPrompt(tenantId: tenant.id, content: content)
        assistants?.invalidate(tenantId: tenant.id)
        return record
    }

    public func publishPrompt(_ tenantKey: String, id: String) throws -> PromptRecord {
        let tenant = try tenant(tenantKey)
        do {
            let record = try database.publishPrompt(tenantId: tenant.id, id: id)
            assistants?.invalidate(tenantId: tenant.id)
            return record
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound("no prompt \(id) for tenant \(tenant.slug)")
        }
    }

    public func knowledge(_ tenantKey: String) throws -> [KnowledgeRecord] {
        try database.knowledgeItems(tenantId: try tenant(tenantKey).id)
    }

    /// One knowledge item of the tenant's; 404 when there is none.
    public func knowledgeItem(_ tenantKey: String, id: String) throws -> KnowledgeRecord {
        let tenant = try tenant(tenantKey)
        guard let item = try database.knowledgeItem(tenantId: tenant.id, id: id) else {
            throw Problem.notFound("no knowledge item \(id) for tenant \(tenant.slug)")
        }
        return item
    }

    public func createKnowledge(_ tenantKey: String, title: String, text: String) throws -> KnowledgeRecord {
        let tenant = try tenant(tenantKey)
        try Self.requireText(title, field: "title", maxLength: 200)
        try Self.requireText(text, field: "text", maxLength: 32 * 1024)
        let record = try database.createKnowledgeItem(tenantId: tenant.id, title: title, text: text)
        assistants?.invalidate(tenantId: tenant.id)
        return record
    }

    public func updateKnowledge(_ tenantKey: String, id: String, title: String?, text: String?) throws
        -> KnowledgeRecord
    {
        let tenant = try tenant(tenantKey)
        if let title { try Self.requireText(title, field: "title", maxLength: 200) }
        if let text { try Self.requireText(text, field: "text", maxLength: 32 * 1024) }
        do {
            let record = try database.updateKnowledgeItem(tenantId: tenant.id, id: id, title: title, text: text)
            assistants?.invalidate(tenantId: tenant.id)
            return record
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound("no knowledge item \(id) for tenant \(tenant.slug)")
        }
    }

    public func deleteKnowledge(_ tenantKey: String, id: String) throws {
        let tenant = try tenant(tenantKey)
        do {
            try database.deleteKnowledgeItem(tenantId: tenant.id, id: id)
            assistants?.invalidate(tenantId: tenant.id)
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound("no knowledge item \(id) for tenant \(tenant.slug)")
        }
    }

    static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isLetter && $0.isASCII })
        else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
