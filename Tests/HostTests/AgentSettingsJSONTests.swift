import AsyncHTTPClient
import Foundation
import Testing

@testable import SwitchboardHost

/// The `agent` object of a tenant's assistant configuration, both ways, and the backend factory.
@Suite("Agent settings JSON")
struct AgentSettingsJSONTests {
    static func object(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }

    static func settings(_ json: String) throws(AgentSettingsError) -> AgentSettings {
        try AgentSettings(assistantConfiguration: object(json))
    }

    static func failure(_ json: String) -> AgentSettingsError? {
        do {
            _ = try settings(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func kinds() throws {
        #expect(try Self.settings(#"{"assistant_name": "Alice"}"#) == .template)
        #expect(try Self.settings(#"{"agent": null}"#) == .template)
        #expect(try Self.settings(#"{"agent": {"kind": "template"}}"#) == .template)
        #expect(
            try Self.settings(
                #"{"agent": {"kind": "http", "url": "https://a.example/run", "api_key": "k", "agent": "sales", "session_prefix": "acme-", "timeout_seconds": 2.5}}"#
            )
                == .http(
                    HTTPAgentSettings(
                        url: "https://a.example/run", apiKey: "k", agent: "sales", sessionPrefix: "acme-",
                        timeout: .milliseconds(2500))))
        #expect(
            try Self.settings(#"{"agent": {"kind": "http", "url": "http://a/run", "agent": "x"}}"#)
                == .http(HTTPAgentSettings(url: "http://a/run", apiKey: nil, agent: "x")))
        #expect(
            try Self.settings(
                #"{"agent": {"kind": "openai", "base_url": "http://127.0.0.1:1/v1", "api_key": null, "model": "m", "timeout_seconds": 30, "history_limit": 5, "temperature": 0.2}}"#
            )
                == .openai(
                    OpenAIAgentSettings(
                        baseURL: "http://127.0.0.1:1/v1", apiKey: nil, model: "m", timeout: .seconds(30),
                        historyLimit: 5,
                        temperature: 0.2)))
        #expect(
            try Self.settings(#"{"agent": {"kind": "openai", "base_url": "http://a/v1", "model": "m"}}"#)
                == .openai(OpenAIAgentSettings(baseURL: "http://a/v1", apiKey: nil, model: "m")))
    }

    @Test func errorsNameTheField() {
        let cases: [(String, String)] = [
            (#"{"agent": "http"}"#, "agent"),
            (#"{"agent": {}}"#, "agent.kind"),
            (#"{"agent": {"kind": "llama"}}"#, "agent.kind"),
            (#"{"agent": {"kind": "http", "agent": "x"}}"#, "agent.url"),
            (#"{"agent": {"kind": "http", "url": "not a url", "agent": "x"}}"#, "agent.url"),
            (#"{"agent": {"kind": "http", "url": "http://a/", "agent": ""}}"#, "agent.agent"),
            (#"{"agent": {"kind": "http", "url": "http://a/", "agent": "x", "api_key": 5}}"#, "agent.api_key"),
            (
                #"{"agent": {"kind": "http", "url": "http://a/", "agent": "x", "timeout_seconds": 0}}"#,
                "agent.timeout_seconds"
            ),
            (
                #"{"agent": {"kind": "http", "url": "http://a/", "agent": "x", "timeout_seconds": "5"}}"#,
                "agent.timeout_seconds"
            ),
            (
                #"{"agent": {"kind": "http", "url": "http://a/", "agent": "x", "timeout_seconds": 601}}"#,
                "agent.timeout_seconds"
            ),
            (#"{"agent": {"kind": "http", "url": "http://a/", "agent": "x", "model": "m"}}"#, "agent.model"),
            (#"{"agent": {"kind": "openai", "base_url": "http://a/v1"}}"#, "agent.model"),
            (#"{"agent": {"kind": "openai", "model": "m"}}"#, "agent.base_url"),
            (
                #"{"agent": {"kind": "openai", "base_url": "http://a/v1", "model": "m", "history_limit": 2.5}}"#,
                "agent.history_limit"
            ),
            (
                #"{"agent": {"kind": "openai", "base_url": "http://a/v1", "model": "m", "history_limit": true}}"#,
                "agent.history_limit"
            ),
            (
                #"{"agent": {"kind": "openai", "base_url": "http://a/v1", "model": "m", "temperature": 3}}"#,
                "agent.temperature"
            ),
            (#"{"agent": {"kind": "template", "url": "http://a/"}}"#, "agent.url"),
        ]
        for (json, field) in cases {
            #expect(Self.failure(json)?.field == field, "\(json)")
        }
        #expect(Self.failure(#"{"agent": {"kind": "x"}}"#)?.description.hasPrefix("agent.kind: unknown kind") == true)
    }

    @Test(arguments: [
        AgentSettings.template,
        .http(
            HTTPAgentSettings(url: "http://a/run", apiKey: "k", agent: "x", sessionPrefix: "p", timeout: .seconds(5))),
        .openai(
            OpenAIAgentSettings(baseURL: "http://a/v1", apiKey: nil, model: "m", historyLimit: 3, temperature: 1.5)),
    ])
    func roundTrip(settings: AgentSettings) throws {
        let json = try JSONSerialization.data(withJSONObject: settings.jsonObject(maskingSecrets: false))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
        #expect(try AgentSettings(agentObject: object) == settings)
    }

    @Test func secretsAreMasked() {
        let settings = AgentSettings.http(HTTPAgentSettings(url: "http://a/run", apiKey: "sk-1", agent: "x"))
        #expect(settings.jsonObject(maskingSecrets: true)["api_key"] as? String == SecretSettings.mask)
        #expect(settings.jsonObject(maskingSecrets: false)["api_key"] as? String == "sk-1")
        #expect(AgentSettings.secretFields == ["api_key"])
    }

    @Test func factory() {
        let client = HTTPClient.shared
        #expect(makeBackend(.template, httpClient: client) is TemplateAgent)
        #expect(
            makeBackend(.http(HTTPAgentSettings(url: "http://a/", apiKey: nil, agent: "x")), httpClient: client)
                is HTTPAgent)
        #expect(
            makeBackend(
                .openai(OpenAIAgentSettings(baseURL: "http://a/v1", apiKey: nil, model: "m")), httpClient: client)
                is OpenAIAgent)
    }
}
