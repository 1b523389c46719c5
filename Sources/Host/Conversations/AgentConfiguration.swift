import Foundation

/// Agent settings from stored JSON, and the per-instance override channels carry.
enum AgentConfiguration {
    /// `{"kind": "template" | "http" | "openai", …}` → settings; errors name the field.
    static func settings(from object: [String: Any]) throws(AgentSettingsError) -> AgentSettings {
        try AgentSettings(agentObject: object)
    }

    /// A channel instance's own agent (seed 004): settings `agent_api_url`, `agent_api_key`,
    /// `default_agent`, `agent_timeout`, `session_id_prefix` make an `http` agent for it.
    static func instanceOverride(_ settings: [String: Any]) -> AgentSettings? {
        guard let url = settings["agent_api_url"] as? String, !url.isEmpty else { return nil }
        let timeout = (settings["agent_timeout"] as? NSNumber)?.doubleValue ?? 60
        return .http(
            HTTPAgentSettings(
                url: url, apiKey: settings["agent_api_key"] as? String,
                agent: settings["default_agent"] as? String ?? "default",
                sessionPrefix: settings["session_id_prefix"] as? String ?? "",
                timeout: .milliseconds(Int64(max(timeout, 0.001) * 1000))))
    }
}
