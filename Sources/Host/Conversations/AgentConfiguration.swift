import Foundation

/// The per-instance agent override channels carry (seed 004).
enum AgentConfiguration {
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
