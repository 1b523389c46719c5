import AsyncHTTPClient
import Logging
import NIOCore
import SwitchboardStorage

/// What the host services need to serve a plugin instance, passed in (never global).
struct HostEnvironment: Sendable {
    var database: HostDatabase
    var storage: PluginStorageProvider
    var httpClient: HTTPClient
    var metrics: HostMetrics
    var eventLoops: any EventLoopGroup
    var limits: RuntimeLimits
    var secretBox: SecretBox
    /// Contacts, conversations, messages and their queues.
    var conversations: ConversationStore
    /// Group commit for inbound messages handed over by plugins, replies and send reports.
    var writer: ConversationWriter
    /// Inbound messages whose plugin wants the reply streamed (in memory: a stream is a live
    /// connection, gone with the process).
    var replyStreams = ReplyStreams()
    /// Outbound messages whose contact was erased while they waited to be sent.
    var erasedSends = ErasedSends()
}

/// Bounds the runtime enforces on plugins.
public struct RuntimeLimits: Sendable {
    /// Worker threads per loaded plugin generation: hooks run here, never on the event loop.
    public var threadsPerPlugin: Int = 32
    /// How long a request waits for a plugin that returned SB_PENDING.
    public var pendingResponseTimeout: Duration = .seconds(30)
    /// How long a retiring instance may take to finish in-flight work.
    public var drainTimeout: Duration = .seconds(30)
    /// Largest request body passed to a plugin.
    public var maxRequestBody: Int = 16 * 1024 * 1024
    /// Default and largest outbound HTTP timeouts.
    public var defaultFetchTimeout: Duration = .seconds(30)
    public var maxFetchResponseBody: Int = 16 * 1024 * 1024

    public init() {}
}
