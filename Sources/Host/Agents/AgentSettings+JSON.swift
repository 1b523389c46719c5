import AsyncHTTPClient
import Foundation

/// A tenant's `agent` configuration that cannot be used, naming the field (`agent.url`).
public struct AgentSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

extension AgentSettings {
    /// The fields of the `agent` object that hold secrets: sealed in storage, masked when shown.
    public static let secretFields: Set<String> = ["api_key"]

    /// The `agent` object of a tenant's assistant configuration; no `agent` (or null) is the
    /// template agent. Unknown fields are refused.
    ///
    /// ```json
    /// {"kind": "template"}
    /// {"kind": "http", "url": "https://agents.example/run", "api_key": "…", "agent": "support",
    ///  "session_prefix": "acme-", "timeout_seconds": 60}
    /// {"kind": "openai", "base_url": "https://api.openai.com/v1", "api_key": "…", "model": "gpt-4o-mini",
    ///  "timeout_seconds": 60, "history_limit": 20, "temperature": 0.3}
    /// ```
    public init(assistantConfiguration configuration: [String: Any]) throws(AgentSettingsError) {
        guard let agent = configuration["agent"], !(agent is NSNull) else {
            self = .template
            return
        }
        guard let object = agent as? [String: Any] else {
            throw AgentSettingsError(field: "agent", reason: "must be an object")
        }
        try self.init(agentObject: object)
    }

    /// The `agent` object itself (see ``init(assistantConfiguration:)``).
    public init(agentObject object: [String: Any]) throws(AgentSettingsError) {
        let reader = FieldReader(object: object, prefix: "agent.")
        switch try reader.string("kind") {
        case "template":
            try reader.rejectUnknown(["kind"])
            self = .template
        case "http":
            try reader.rejectUnknown(["kind", "url", "api_key", "agent", "session_prefix", "timeout_seconds"])
            self = .http(
                HTTPAgentSettings(
                    url: try reader.url("url"), apiKey: try reader.optionalString("api_key"),
                    agent: try reader.string("agent"),
                    sessionPrefix: try reader.optionalString("session_prefix", allowEmpty: true) ?? "",
                    timeout: try reader.timeout()))
        case "openai":
            try reader.rejectUnknown([
                "kind", "base_url", "api_key", "model", "timeout_seconds", "history_limit", "temperature",
            ])
            self = .openai(
                OpenAIAgentSettings(
                    baseURL: try reader.url("base_url"), apiKey: try reader.optionalString("api_key"),
                    model: try reader.string("model"), timeout: try reader.timeout(),
                    historyLimit: Int(try reader.optionalNumber("history_limit", in: 0...200, integer: true) ?? 20),
                    temperature: try reader.optionalNumber("temperature", in: 0...2)))
        case let kind:
            throw AgentSettingsError(
                field: "agent.kind", reason: "unknown kind \"\(kind)\" (one of: http, openai, template)")
        }
    }

    /// The `agent` object for these settings; with `maskingSecrets` every secret set shows as
    /// "********".
    public func jsonObject(maskingSecrets: Bool) -> [String: Any] {
        func key(_ value: String?) -> Any { value.map { maskingSecrets ? SecretSettings.mask : $0 } ?? NSNull() }
        switch self {
        case .template:
            return ["kind": "template"]
        case .http(let http):
            return [
                "kind": "http", "url": http.url, "api_key": key(http.apiKey), "agent": http.agent,
                "session_prefix": http.sessionPrefix, "timeout_seconds": Self.seconds(http.timeout),
            ]
        case .openai(let openai):
            return [
                "kind": "openai", "base_url": openai.baseURL, "api_key": key(openai.apiKey), "model": openai.model,
                "timeout_seconds": Self.seconds(openai.timeout), "history_limit": openai.historyLimit,
                "temperature": openai.temperature.map { $0 as Any } ?? NSNull(),
            ]
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The backend for `settings`: the template agent, or a network agent sending through `httpClient`.
public func makeBackend(_ settings: AgentSettings, httpClient: HTTPClient) -> any AgentBackend {
    switch settings {
    case .template: TemplateAgent()
    case .http(let http): HTTPAgent(settings: http, httpClient: httpClient)
    case .openai(let openai): OpenAIAgent(settings: openai, httpClient: httpClient)
    }
}

/// Typed reads from a JSON object whose errors name the field with its prefix.
private struct FieldReader {
    let object: [String: Any]
    let prefix: String

    /// The most a `timeout_seconds` may be: 10 minutes.
    static let maxTimeoutSeconds = 600.0

    func fail(_ key: String, _ reason: String) -> AgentSettingsError {
        AgentSettingsError(field: prefix + key, reason: reason)
    }

    func rejectUnknown(_ allowed: Set<String>) throws(AgentSettingsError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(unknown, "unknown field (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ key: String) throws(AgentSettingsError) -> String {
        guard let value = try optionalString(key) else { throw fail(key, "required") }
        return value
    }

    func optionalString(_ key: String, allowEmpty: Bool = false) throws(AgentSettingsError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String, allowEmpty || !string.isEmpty else {
            throw fail(key, allowEmpty ? "must be a string" : "must be a non-empty string")
        }
        return string
    }

    func url(_ key: String) throws(AgentSettingsError) -> String {
        let value = try string(key)
        do {
            return try AgentCall.checkedURL(value)
        } catch {
            throw fail(key, "must be an absolute http(s) URL")
        }
    }

    func optionalNumber(_ key: String, in range: ClosedRange<Double>, integer: Bool = false)
        throws(AgentSettingsError) -> Double?
    {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard !(value is String), !SettingsSchema.isBool(value), let number = (value as? NSNumber)?.doubleValue,
            !integer || number.rounded() == number
        else { throw fail(key, integer ? "must be a whole number" : "must be a number") }
        guard range.contains(number) else {
            throw fail(key, "must be from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return number
    }

    /// `timeout_seconds`: more than 0, at most ``maxTimeoutSeconds``; 60 when absent.
    func timeout() throws(AgentSettingsError) -> Duration {
        guard let seconds = try optionalNumber("timeout_seconds", in: 0...Self.maxTimeoutSeconds) else {
            return .seconds(60)
        }
        guard seconds > 0 else { throw fail("timeout_seconds", "must be more than 0") }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number ? String(Int(number)) : String(number)
    }
}
