import Foundation

/// A tenant's assistant as the agents see it: profile, published prompt and knowledge.
public struct AssistantProfile: Sendable, Hashable, Codable {
    public var assistantName: String
    public var companyName: String
    /// BCP 47 language tag, e.g. "en", "pt-BR".
    public var language: String
    /// IANA time zone, e.g. "America/Sao_Paulo".
    public var timezone: String

    public init(assistantName: String, companyName: String, language: String, timezone: String) {
        self.assistantName = assistantName
        self.companyName = companyName
        self.language = language
        self.timezone = timezone
    }

    public static let `default` = AssistantProfile(
        assistantName: "Assistant", companyName: "our team", language: "en", timezone: "UTC")
}

/// One knowledge item the assistant may draw on.
public struct KnowledgeItem: Sendable, Hashable, Codable {
    public var title: String
    public var text: String

    public init(title: String, text: String) {
        self.title = title
        self.text = text
    }
}

/// Which agent backend answers, with its settings. Secrets (keys) are plain here: this value
/// lives in memory only, built from sealed storage.
public enum AgentSettings: Sendable, Hashable {
    /// The embedded default: a deterministic reply, no network.
    case template
    /// Seed 004's Agent API: POST {url} with a bearer key.
    case http(HTTPAgentSettings)
    /// Any OpenAI-compatible `/v1/chat/completions`.
    case openai(OpenAIAgentSettings)
}

public struct HTTPAgentSettings: Sendable, Hashable {
    public var url: String
    public var apiKey: String?
    /// The agent name sent with each message (seed 004's `default_agent`).
    public var agent: String
    public var sessionPrefix: String
    public var timeout: Duration

    public init(url: String, apiKey: String?, agent: String, sessionPrefix: String = "", timeout: Duration = .seconds(60))
    {
        self.url = url
        self.apiKey = apiKey
        self.agent = agent
        self.sessionPrefix = sessionPrefix
        self.timeout = timeout
    }
}

public struct OpenAIAgentSettings: Sendable, Hashable {
    /// Base URL up to and including `/v1`, e.g. "https://api.openai.com/v1".
    public var baseURL: String
    public var apiKey: String?
    public var model: String
    public var timeout: Duration
    /// How many earlier messages of the conversation go with each request.
    public var historyLimit: Int
    public var temperature: Double?

    public init(
        baseURL: String, apiKey: String?, model: String, timeout: Duration = .seconds(60), historyLimit: Int = 20,
        temperature: Double? = nil
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeout = timeout
        self.historyLimit = historyLimit
        self.temperature = temperature
    }
}

/// One earlier turn of the conversation.
public struct AgentTurn: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        case user
        case assistant
    }

    public var role: Role
    public var text: String

    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }
}

/// Everything an agent needs to answer one inbound message.
public struct AgentRequest: Sendable {
    public var tenantSlug: String
    /// The channel plugin (evolution, sms, webchat) and its instance name.
    public var channel: String
    public var instance: String
    /// The contact's channel id (a WhatsApp JID, a phone number, a widget session).
    public var contact: String
    public var contactName: String?
    public var conversationId: String
    public var message: String
    /// Earlier turns, oldest first, not including `message`.
    public var history: [AgentTurn]
    public var profile: AssistantProfile
    /// The published system prompt ("" when none).
    public var prompt: String
    public var knowledge: [KnowledgeItem]

    public init(
        tenantSlug: String, channel: String, instance: String, contact: String, contactName: String? = nil,
        conversationId: String, message: String, history: [AgentTurn] = [], profile: AssistantProfile = .default,
        prompt: String = "", knowledge: [KnowledgeItem] = []
    ) {
        self.tenantSlug = tenantSlug
        self.channel = channel
        self.instance = instance
        self.contact = contact
        self.contactName = contactName
        self.conversationId = conversationId
        self.message = message
        self.history = history
        self.profile = profile
        self.prompt = prompt
        self.knowledge = knowledge
    }
}

/// Why an agent did not answer. `retryable` failures (timeouts, 5xx, transport errors, 429)
/// are tried again later; the others are stored on the message as they are.
public struct AgentError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case timeout
        /// The agent answered with a non-2xx status.
        case httpStatus = "http_status"
        /// The agent's answer could not be understood (bad JSON, no reply field, broken SSE).
        case malformed
        /// The agent could not be reached.
        case transport
        /// The backend's settings are unusable (no URL, bad URL).
        case configuration
    }

    public var code: Code
    public var message: String
    public var status: Int?
    public var retryable: Bool

    public init(_ code: Code, _ message: String, status: Int? = nil, retryable: Bool) {
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable
    }

    public var description: String {
        "agent \(code.rawValue)\(status.map { " \($0)" } ?? ""): \(message)"
    }
}

/// An agent backend. Implementations hold no per-tenant state: everything comes in the request.
public protocol AgentBackend: Sendable {
    /// The whole reply. Throws ``AgentError``.
    func reply(to request: AgentRequest) async throws -> String

    /// The reply as it is produced, piece by piece; the concatenation equals what `reply` returns.
    /// Backends that cannot stream yield the whole reply once. Throws ``AgentError``.
    func stream(_ request: AgentRequest) -> AsyncThrowingStream<String, any Error>
}

extension AgentBackend {
    public func stream(_ request: AgentRequest) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    continuation.yield(try await reply(to: request))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// The embedded default: a deterministic reply naming the assistant and the company, so a fresh
/// install answers out of the box. Localized for en, pt and es.
public struct TemplateAgent: AgentBackend {
    public init() {}

    public func reply(to request: AgentRequest) async throws -> String {
        Self.text(for: request)
    }

    public func stream(_ request: AgentRequest) -> AsyncThrowingStream<String, any Error> {
        // Word by word, so streaming clients see tokens arrive as with a real model.
        let words = Self.text(for: request).split(separator: " ", omittingEmptySubsequences: false)
        return AsyncThrowingStream { continuation in
            for (index, word) in words.enumerated() {
                continuation.yield(index == 0 ? String(word) : " " + word)
            }
            continuation.finish()
        }
    }

    static func text(for request: AgentRequest) -> String {
        let name = request.profile.assistantName
        let company = request.profile.companyName
        let quoted = request.message.count > 80 ? String(request.message.prefix(77)) + "..." : request.message
        switch request.profile.language.lowercased().prefix(2) {
        case "pt":
            return "Olá, aqui é \(name) da \(company). Recebemos a sua mensagem: \"\(quoted)\". Já respondemos."
        case "es":
            return "Hola, soy \(name) de \(company). Recibimos tu mensaje: \"\(quoted)\". Te respondemos enseguida."
        default:
            return "Hi, this is \(name) from \(company). We got your message: \"\(quoted)\". We'll get back to you shortly."
        }
    }
}
