import Foundation
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// Helpers of the Evolution channel's live tests: a host with fast retries, webhook posts, the
/// stored conversation.
enum EvolutionChannel {
    static let apiKey = "evo-5ecret-key-0001"

    /// A host with the real libEvolution.so and retries in milliseconds.
    static func host(_ label: String, configure: @escaping (inout HostConfiguration) -> Void = { _ in }) async throws
        -> LiveHost
    {
        try await LiveHost.start(
            label: label, enabled: ["evolution"],
            configure: { configuration in
                configuration.conversations.retryBaseMilliseconds = 20
                configuration.conversations.maxRetryDelayMilliseconds = 200
                configure(&configuration)
            })
    }

    /// The settings of an instance talking to `fake`.
    static func settings(_ fake: EvolutionFake, instance: String = "sales", _ extra: [String: Any] = [:])
        -> [String: Any]
    {
        var settings: [String: Any] = ["evolution_url": fake.url, "evolution_key": apiKey, "whatsapp_instance": instance]
        for (key, value) in extra { settings[key] = value }
        return settings
    }

    /// POST a webhook body to `/webhook/evolution/{instance}` (and `/{event}` in per-event mode).
    static func post(
        _ host: LiveHost, _ instance: String, _ body: String, event: String? = nil, headers: [(String, String)] = []
    ) async throws -> LiveHost.Reply {
        let path = "/webhook/evolution/\(instance)" + (event.map { "/" + $0 } ?? "")
        return try await host.request(
            .POST, path, body: Array(body.utf8), headers: [("Content-Type", "application/json")] + headers)
    }

    /// The first result of a webhook answer.
    static func result(_ reply: LiveHost.Reply) -> [String: Any] {
        (reply.json["results"] as? [[String: Any]])?.first ?? [:]
    }

    /// The instance's stored messages, oldest first.
    static func messages(_ host: LiveHost, _ instanceId: String) throws -> [MessageRecord] {
        try host.runtime.environment.conversations.recentMessages(instanceId: instanceId, limit: 100)
    }

    /// The instance's assistant replies.
    static func replies(_ host: LiveHost, _ instanceId: String) throws -> [MessageRecord] {
        try messages(host, instanceId).filter { $0.author == .assistant }
    }

    /// The text of the sendText call at `index` (v2 `text` or v1 `textMessage.text`).
    static func text(_ call: StubServer.Received) -> String {
        call.json["text"] as? String ?? (call.json["textMessage"] as? [String: Any])?["text"] as? String ?? ""
    }
}
