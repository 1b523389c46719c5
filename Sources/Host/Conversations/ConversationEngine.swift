import Foundation
import Logging
import SwitchboardStorage

/// The conversation core's two workers: one answers inbound messages through the tenant's
/// agent, one delivers outbound messages through the instance's plugin. Both work from the
/// durable queues in ``ConversationStore`` (reply jobs, outbox), so a crash loses nothing:
/// on restart they pick up where they were.
public final class ConversationEngine: Sendable {
    let store: ConversationStore
    let runtime: PluginRuntime
    public let assistants: AssistantDirectory
    let settings: ConversationSettings
    let logger: Logger
    let makeBackend: @Sendable (AgentSettings) -> any AgentBackend
    private let replyWake = Wakeup()
    private let sendWake = Wakeup()
    private let replying = Locked<Set<String>>([])
    private let sending = Locked<Set<String>>([])
    private let limiter: Locked<RateLimiter>
    /// Replies and send reports are committed in batches, like inbound messages.
    private let replyCommits: BatchCommitter<(inboundId: String, text: String), MessageRecord?>
    private let sendCommits: BatchCommitter<ConversationStore.SentReport, Void>

    public init(
        store: ConversationStore, runtime: PluginRuntime, assistants: AssistantDirectory,
        settings: ConversationSettings, logger: Logger,
        makeBackend: @escaping @Sendable (AgentSettings) -> any AgentBackend
    ) {
        self.store = store
        self.runtime = runtime
        self.assistants = assistants
        self.settings = settings
        self.logger = logger
        self.makeBackend = makeBackend
        limiter = Locked(RateLimiter(perMinute: settings.agentCallsPerMinute))
        replyCommits = BatchCommitter(name: "switchboard-replies") { try store.completeReplies($0) }
        sendCommits = BatchCommitter(name: "switchboard-sends") { try store.markSent($0) }
        runtime.environment.ingest.observe { [replyWake, sendWake] outcomes in
            if outcomes.contains(where: \.replyQueued) { replyWake.signal() }
            if outcomes.contains(where: { $0.message.direction == .outbound && $0.message.status == .queued }) {
                sendWake.signal()
            }
        }
    }

    /// New work was queued (a reply job or an outbound message).
    public func notify() {
        replyWake.signal()
        sendWake.signal()
    }

    /// Run both workers until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.loop(wake: self.replyWake, busy: self.replying, fetch: self.dueReplies, work: self.answer) }
            group.addTask { await self.loop(wake: self.sendWake, busy: self.sending, fetch: self.dueSends, work: self.deliver) }
        }
        replyCommits.stop()
        sendCommits.stop()
    }

    // MARK: - The loop both workers share

    private func loop<Item: Sendable>(
        wake: Wakeup, busy: Locked<Set<String>>, fetch: @escaping @Sendable (Int, Set<String>) throws -> [(String, Item)],
        work: @escaping @Sendable (Item) async -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let current = busy.withLock { $0 }
                let capacity = settings.concurrency - current.count
                var fetched: [(String, Item)] = []
                if capacity > 0 {
                    do {
                        fetched = try fetch(capacity, current)
                    } catch {
                        logger.error("cannot read the conversation queues", metadata: ["error": "\(error)"])
                    }
                }
                for (id, item) in fetched {
                    busy.withLock { _ = $0.insert(id) }
                    group.addTask {
                        await work(item)
                        busy.withLock { _ = $0.remove(id) }
                        wake.signal()
                    }
                }
                if fetched.isEmpty || fetched.count >= capacity {
                    await wake.wait(timeout: waitTime())
                }
            }
        }
    }

    /// Until the next queued item falls due, at most a second (retries scheduled by another
    /// process are found within that). Items already due are being worked on: their workers
    /// signal when they finish.
    private func waitTime() -> Duration {
        guard let next = try? store.nextDue() else { return .seconds(1) }
        let milliseconds = next - StorageClock.milliseconds()
        return .milliseconds(milliseconds <= 0 ? 1000 : min(milliseconds, 1000))
    }

    private func dueReplies(_ limit: Int, _ busy: Set<String>) throws -> [(String, ReplyJob)] {
        try store.dueReplyJobs(at: StorageClock.milliseconds(), limit: limit, excluding: busy).map { ($0.message.id, $0) }
    }

    private func dueSends(_ limit: Int, _ busy: Set<String>) throws -> [(String, OutboxItem)] {
        try store.dueOutbox(at: StorageClock.milliseconds(), limit: limit, excluding: busy).map { ($0.message.id, $0) }
    }

    private func backoff(_ attempts: Int) -> Int64 {
        StorageClock.milliseconds()
            + Backoff(base: settings.retryBaseMilliseconds, cap: settings.maxRetryDelayMilliseconds)
            .delay(afterAttempt: attempts, random: Double.random(in: 0...1))
    }

    // MARK: - Answering

    private func answer(_ job: ReplyJob) async {
        let inbound = job.message
        let streams = runtime.environment.replyStreams
        let streaming = streams.isRequested(inbound)
        do {
            guard let entry = runtime.registryEntry(id: inbound.instanceId) else {
                try store.deleteReplyJob(inbound.id)  // the instance is gone
                streams.finish(inbound.id)
                return
            }
            guard entry.isServable else {
                // Suspended or disabled: the message waits, unanswered, until it may run again.
                try store.retryReplyJob(inbound.id, error: "instance not serving", at: StorageClock.milliseconds() + 60_000)
                return
            }
            if let paused = job.conversation.pausedUntil, paused > StorageClock.milliseconds() {
                try store.deleteReplyJob(inbound.id)
                streams.finish(inbound.id)
                return
            }
            // Over the tenant's agent budget, the message waits in the queue (not in a worker, so
            // other tenants' replies go ahead) until a call is free.
            let now = StorageClock.milliseconds()
            let wait = limiter.withLock { $0.acquire(entry.tenant.id, now: now) }
            if wait > 0 {
                try store.deferReplyJob(inbound.id, until: now + wait)
                return
            }
            let assistant = try assistants.assistant(tenantId: entry.tenant.id)
            let instanceSettings = SecretSettings.object(entry.instance.settings)
                .merging(runtime.storedSecrets(entry.instance)) { $1 }
            let agent = AgentConfiguration.instanceOverride(instanceSettings) ?? assistant.agent
            let history = try store.history(
                conversationId: inbound.conversationId, before: inbound.id, limit: settings.historyLimit
            ).filter { !$0.text.isEmpty }.map {
                AgentTurn(role: $0.direction == .inbound ? .user : .assistant, text: $0.text)
            }
            let request = AgentRequest(
                tenantSlug: entry.tenant.slug, channel: entry.instance.plugin, instance: entry.instance.name,
                contact: job.contact.externalId, contactName: job.contact.name, conversationId: inbound.conversationId,
                message: inbound.text, history: history, profile: assistant.profile, prompt: assistant.prompt,
                knowledge: assistant.knowledge)
            var text = ""
            var index = 0
            for try await piece in makeBackend(agent).stream(request) {
                text += piece
                if streaming && !piece.isEmpty {
                    // In order: the next piece waits for the plugin to take this one.
                    await runtime.replyEvent(
                        instanceId: inbound.instanceId,
                        eventJSON: Self.replyEventJSON(
                            ["type": "delta", "reply_to": inbound.id, "conversation_id": inbound.conversationId,
                             "text": piece, "index": index]))
                    index += 1
                }
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw AgentError(.malformed, "the agent answered with an empty reply", retryable: false)
            }
            if try await replyCommits.submit((inbound.id, text)).get() != nil { sendWake.signal() }
            streams.finish(inbound.id)
            runtime.metrics.increment("switchboard_agent_replies_total", labels: [("outcome", "ok")])
        } catch {
            let agentError = error as? AgentError
            let retryable = agentError?.retryable ?? !(error is StorageError)
            let reason = agentError?.description ?? "\(error)"
            runtime.metrics.increment(
                "switchboard_agent_replies_total", labels: [("outcome", retryable ? "retry" : "failed")])
            logger.warning(
                "agent did not answer", metadata: ["message": "\(inbound.id)", "error": "\(reason)", "attempt": "\(job.attempts + 1)"])
            let retrying = retryable && job.attempts + 1 < settings.maxAgentAttempts
            do {
                if retrying {
                    try store.retryReplyJob(inbound.id, error: reason, at: backoff(job.attempts))
                } else {
                    try store.failReplyJob(inbound.id, error: reason)
                }
            } catch {
                logger.error("cannot record the agent failure", metadata: ["error": "\(error)"])
            }
            if streaming {
                await runtime.replyEvent(
                    instanceId: inbound.instanceId,
                    eventJSON: Self.replyEventJSON(
                        ["type": "error", "reply_to": inbound.id, "conversation_id": inbound.conversationId,
                         "error": reason, "retrying": retrying]))
                if !retrying { streams.finish(inbound.id) }
            }
        }
    }

    /// The JSON of one `on_reply_event`.
    static func replyEventJSON(_ object: [String: Any]) -> [UInt8] {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    // MARK: - Delivering

    /// What a plugin's on_send receives.
    static func sendJSON(_ item: OutboxItem) -> [UInt8] {
        var object: [String: Any] = [
            "to": item.contact.externalId, "text": item.message.text, "message_id": item.message.id,
            "conversation_id": item.conversation.id, "thread_key": item.conversation.threadKey,
            "author": item.message.author.rawValue, "attempt": item.attempts + 1,
        ]
        if let name = item.contact.name { object["to_name"] = name }
        if let replyTo = item.message.replyTo { object["reply_to"] = replyTo }
        if let attachments = item.message.attachments {
            object["attachments"] = (try? JSONSerialization.jsonObject(with: Data(attachments.utf8))) ?? []
        }
        if let metadata = item.message.metadata {
            object["metadata"] = (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) ?? [:]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        return Array(data ?? Data())
    }

    /// Statuses a plugin returns when the provider refused the message for good (a 4xx).
    static let permanentSendFailures: Set<String> = [
        "invalid_argument", "not_found", "denied", "too_large", "unsupported",
    ]

    private func deliver(_ item: OutboxItem) async {
        let id = item.message.id
        do {
            let result = try await runtime.send(instanceId: item.message.instanceId, messageJSON: Self.sendJSON(item))
            let object = (try? JSONSerialization.jsonObject(with: Data(result))) as? [String: Any] ?? [:]
            let status = (object["status"] as? String).flatMap(MessageStatus.init(rawValue:)) ?? .sent
            try await sendCommits.submit(
                ConversationStore.SentReport(
                    messageId: id, externalId: object["external_id"] as? String,
                    status: [.sent, .delivered, .read].contains(status) ? status : .sent)
            ).get()
            runtime.metrics.increment("switchboard_outbound_messages_total", labels: [("outcome", "sent")])
        } catch let error as SendError {
            let permanent = Self.permanentSendFailures.contains(error.status)
            let exhausted = item.attempts + 1 >= settings.maxSendAttempts
            runtime.metrics.increment(
                "switchboard_outbound_messages_total",
                labels: [("outcome", permanent || exhausted ? "failed" : "retry")])
            do {
                if permanent || exhausted {
                    try store.failOutbox(id, error: error.description)
                } else {
                    try store.retryOutbox(id, error: error.description, at: backoff(item.attempts))
                }
            } catch {
                logger.error("cannot record the send failure", metadata: ["error": "\(error)"])
            }
        } catch {
            logger.error("outbound message not recorded as sent", metadata: ["message": "\(id)", "error": "\(error)"])
            try? store.retryOutbox(id, error: "\(error)", at: backoff(item.attempts))
        }
    }
}

/// Wakes one waiting worker loop; a signal with nobody waiting is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Locked(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Return on a signal, on cancellation or after `timeout`.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.signal()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
    }
}
