import Foundation
import Logging
import SwitchboardStorage

/// A tenant's assistant, ready for the agents: loaded from the registry on first use.
public struct Assistant: Sendable {
    public var profile: AssistantProfile
    public var agent: AgentSettings
    /// The published prompt ("" when none is published).
    public var prompt: String
    public var knowledge: [KnowledgeItem]
    /// Why the stored agent settings could not be used (the template answers meanwhile).
    public var agentProblem: String?

    public static let `default` = Assistant(
        profile: .default, agent: .template, prompt: "", knowledge: [], agentProblem: nil)
}

extension AssistantProfile {
    /// The profile fields of a stored assistant configuration, defaults for the missing ones.
    init(configuration object: [String: Any]) {
        let defaults = AssistantProfile.default
        self.init(
            assistantName: object["assistant_name"] as? String ?? defaults.assistantName,
            companyName: object["company_name"] as? String ?? defaults.companyName,
            language: object["language"] as? String ?? defaults.language,
            timezone: object["timezone"] as? String ?? defaults.timezone)
    }
}

/// Per-tenant assistants, loaded lazily and cached in memory (seed 000's ConfigDO). Every
/// write through the admin API invalidates the tenant's entry, as does an `assistant` change
/// from another process and `POST /admin/v1/tenants/{tenant}/assistant/reload`.
public final class AssistantDirectory: Sendable {
    let database: HostDatabase
    let secrets: InstanceSecrets
    let logger: Logger
    private let cache = Locked<[String: Assistant]>([:])

    public init(database: HostDatabase, secrets: InstanceSecrets, logger: Logger) {
        self.database = database
        self.secrets = secrets
        self.logger = logger
    }

    /// The tenant's assistant; defaults when nothing is configured.
    public func assistant(tenantId: String) throws -> Assistant {
        if let cached = cache.withLock({ $0[tenantId] }) { return cached }
        let loaded = try load(tenantId: tenantId)
        cache.withLock { $0[tenantId] = loaded }
        return loaded
    }

    public func invalidate(tenantId: String) { cache.withLock { $0[tenantId] = nil } }

    public func invalidateAll() { cache.withLock { $0.removeAll() } }

    /// Whether the tenant's assistant is in the cache (for tests and metrics).
    func isCached(tenantId: String) -> Bool { cache.withLock { $0[tenantId] != nil } }

    private func load(tenantId: String) throws -> Assistant {
        var assistant = Assistant.default
        if let stored = try database.assistantSettings(tenantId: tenantId) {
            let object = SecretSettings.object(stored.config)
            assistant.profile = AssistantProfile(configuration: object)
            if var agent = object["agent"] as? [String: Any] {
                agent.merge(secrets.open(stored.secrets, owner: ["tenant": "\(tenantId)"])) { $1 }
                do {
                    assistant.agent = try AgentSettings(agentObject: agent)
                } catch {
                    assistant.agentProblem = "\(error)"
                    logger.error(
                        "assistant agent settings unusable; the template answers",
                        metadata: ["tenant": "\(tenantId)", "error": "\(error)"])
                }
            }
        }
        assistant.prompt = try database.publishedPrompt(tenantId: tenantId)?.content ?? ""
        assistant.knowledge = try database.knowledgeItems(tenantId: tenantId).map {
            KnowledgeItem(title: $0.title, text: $0.text)
        }
        return assistant
    }
}
