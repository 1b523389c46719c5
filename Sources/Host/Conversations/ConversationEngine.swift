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
    private let replying = WorkClaims()
    private let sending = WorkClaims()
    /// Sends running and waiting in memory (see ``SendLine``).
    private let line: Locked<SendLine<OutboxItem>>
    private let limiter: Locked<RateLimiter>
    /// Replies and send reports are committed in the same batches as inbound messages.
    private var writer: ConversationWriter { runtime.environment.writer }

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
        // On PostgreSQL a claimed row is this host's only for one lease: nothing waits in memory
        // (where a slow plugin could keep it past the lease and another host send it too); a
        // message without a free place is given back at once, as before.
        line = Locked(
            SendLine(limit: settings.concurrency, backlog: store.backend == .postgres ? 0 : Self.sendBacklog))
        runtime.environment.writer.answerImmediately { [weak self] input in self?.immediateReply(input) }
        runtime.environment.writer.observe { [weak self, replyWake, sendWake] outcomes in
            if outcomes.contains(where: { $0.replyQueued && $0.reply == nil }) { replyWake.signal() }
            if outcomes.contains(where: { $0.message.direction == .outbound && $0.message.status == .queued }) {
                sendWake.signal()
            }
            for reply in outcomes.compactMap(\.reply) { self?.deliverNow(reply) }
            for held in outcomes where held.replyJobHeld { self?.answerNow(held.message.id) }
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
            group.addTask { await self.sendLoop() }
        }
    }

    // MARK: - The reply loop

    /// Each worker says whether its item left the queue for good (`true`) or waits for a retry.
    private func loop<Item: Sendable>(
        wake: Wakeup, busy: WorkClaims, fetch: @escaping @Sendable (Int, Set<String>) throws -> [(String, Item)],
        work: @escaping @Sendable (Item) async -> Bool
    ) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let current = busy.busy
                let capacity = settings.concurrency - current.count
                var fetched: [(String, Item)] = []
                if capacity > 0 {
                    do {
                        fetched = try fetch(capacity, current)
                    } catch {
                        logger.error("cannot read the conversation queues", metadata: ["error": "\(error)"])
                    }
                }
                for (id, item) in fetched where busy.claim(id) {
                    group.addTask {
                        busy.release(id, finished: await work(item))
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

    private func backoff(_ attempts: Int) -> Int64 {
        StorageClock.milliseconds()
            + Backoff(base: settings.retryBaseMilliseconds, cap: settings.maxRetryDelayMilliseconds)
            .delay(afterAttempt: attempts, random: Double.random(in: 0...1))
    }

    // MARK: - Answering

    /// Answer one reply job; true when it left the queue (answered, failed for good or moot).
    private func answer(_ job: ReplyJob) async -> Bool {
        let inbound = job.message
        let streams = runtime.environment.replyStreams
        let streaming = streams.isRequested(inbound)
        do {
            guard let entry = runtime.registryEntry(id: inbound.instanceId) else {
                try store.deleteReplyJob(inbound.id)  // the instance is gone
                streams.finish(inbound.id)
                return true
            }
            guard entry.isServable else {
                // Suspended or disabled: the message waits, unanswered, until it may run again.
                try store.retryReplyJob(inbound.id, error: "instance not serving", at: StorageClock.milliseconds() + 60_000)
                return false
            }
            if let paused = job.conversation.pausedUntil, paused > StorageClock.milliseconds() {
                try store.deleteReplyJob(inbound.id)
                streams.finish(inbound.id)
                return true
            }
            // Over the tenant's agent budget, the message waits in the queue (not in a worker, so
            // other tenants' replies go ahead) until a call is free.
            let now = StorageClock.milliseconds()
            let wait = limiter.withLock { $0.acquire(entry.tenant.id, now: now) }
            if wait > 0 {
                try store.deferReplyJob(inbound.id, until: now + wait)
                return false
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
            let request = Self.agentRequest(
                entry, assistant, contact: job.contact.externalId, contactName: job.contact.name,
                conversationId: inbound.conversationId, message: inbound.text, history: history)
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
            // A streamed reply is sent by this host, whose plugin instance holds the client's stream
            // (on PostgreSQL another host could otherwise claim it); others go through the queue.
            let sendHere = streaming && store.backend == .postgres
            if let reply = try await writer.completeReply(to: inbound.id, text: text, claimed: sendHere) {
                if sendHere {
                    deliverNow(OutboxItem(message: reply, conversation: job.conversation, contact: job.contact, attempts: 0))
                } else {
                    sendWake.signal()
                }
            }
            streams.finish(inbound.id)
            runtime.metrics.increment("switchboard_agent_replies_total", labels: [("outcome", "ok")])
            return true
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
            return !retrying
        }
    }

    /// The JSON of one `on_reply_event`.
    static func replyEventJSON(_ object: [String: Any]) -> [UInt8] {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    // MARK: - Delivering

    /// What a plugin's on_send receives: one JSON object, keys in sorted order, written by hand
    /// (this runs for every outbound message; JSONSerialization cost more than the send itself).
    static func sendJSON(_ item: OutboxItem) -> [UInt8] {
        var members: [(String, String)] = [
            ("attempt", "\(item.attempts + 1)"), ("author", JSONText.quote(item.message.author.rawValue)),
            ("conversation_id", JSONText.quote(item.conversation.id)), ("message_id", JSONText.quote(item.message.id)),
            ("text", JSONText.quote(item.message.text)), ("thread_key", JSONText.quote(item.conversation.threadKey)),
            ("to", JSONText.quote(item.contact.externalId)),
        ]
        if let name = item.contact.name { members.append(("to_name", JSONText.quote(name))) }
        if let replyTo = item.message.replyTo { members.append(("reply_to", JSONText.quote(replyTo))) }
        if let attachments = item.message.attachments {
            members.append(("attachments", Self.storedJSON(attachments, fallback: "[]")))
        }
        if let metadata = item.message.metadata { members.append(("metadata", Self.storedJSON(metadata, fallback: "{}"))) }
        members.sort { $0.0 < $1.0 }
        let text = "{" + members.map { JSONText.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        return Array(text.utf8)
    }

    /// A JSON document stored with a message, written again compactly; `fallback` when it does
    /// not parse.
    private static func storedJSON(_ text: String, fallback: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return fallback }
        return String(decoding: data, as: UTF8.self)
    }

    /// Statuses a plugin returns when the provider refused the message for good (a 4xx).
    static let permanentSendFailures: Set<String> = [
        "invalid_argument", "not_found", "denied", "too_large", "unsupported",
    ]

    /// How many outbound messages may wait in memory for a send place on SQLite (beyond that
    /// they wait in the outbox, for the send loop to read).
    static let sendBacklog = 4096

    /// The send loop: reads the outbox for what was not handed over directly (messages queued
    /// by the API or by another host, retries, what a restart found, what did not fit in the
    /// line) whenever the line has room, and sleeps until woken or the next retry falls due.
    private func sendLoop() async {
        while !Task.isCancelled {
            let room = line.withLock { $0.room() }
            var fetched: [OutboxItem] = []
            if room > 0 {
                do {
                    fetched = try store.dueOutbox(at: StorageClock.milliseconds(), limit: room, excluding: sending.busy)
                } catch {
                    logger.error("cannot read the conversation queues", metadata: ["error": "\(error)"])
                }
                if fetched.count >= room { line.withLock { $0.loopFilledRoom() } }
            }
            for item in fetched where sending.claim(item.message.id) { offer(item) }
            await sendWake.wait(timeout: waitTime())
        }
    }

    /// Deliver a reply stored with its inbound message at once, without waiting for the send
    /// loop to read the outbox; when the line is full the loop takes it later.
    private func deliverNow(_ item: OutboxItem) {
        guard sending.claim(item.message.id) else { return }  // being sent already
        offer(item)
    }

    /// Start `item` (claimed), queue it in memory, or leave it to the outbox when the line is full.
    private func offer(_ item: OutboxItem) {
        switch line.withLock({ $0.offer(item) }) {
        case .start:
            startSend(item)
        case .queued:
            break
        case .full:
            let id = item.message.id
            sending.release(id, finished: false)
            // Stored as claimed by this host on PostgreSQL: give it back so any host's loop takes it.
            try? store.releaseOutboxClaim(id, at: StorageClock.milliseconds())
        }
    }

    private func startSend(_ item: OutboxItem) {
        Task {
            let finished = await deliver(item) { [weak self] in
                guard let self else { return }
                let (next, wakeLoop) = line.withLock { $0.sendReturned() }
                if let next { startSend(next) }
                if wakeLoop { sendWake.signal() }
            }
            sending.release(item.message.id, finished: finished)
            // A retry was scheduled: the loop's sleep may have to end sooner.
            if !finished { sendWake.signal() }
        }
    }

    /// Deliver one outbound message; true when it left the outbox (sent, or failed for good).
    /// `returned` is called once, as soon as the plugin's `on_send` returned (before the outcome
    /// is committed), so the next message can take its place.
    private func deliver(_ item: OutboxItem, returned: @Sendable () -> Void) async -> Bool {
        let id = item.message.id
        // Its contact may have been erased while it waited in memory: never send it then.
        let erasures = runtime.environment.erasedSends
        var verdict = erasures.verdict(messageId: id, instanceId: item.message.instanceId, contact: item.contact.externalId)
        while verdict == .wait {
            try? await Task.sleep(for: .milliseconds(2))
            verdict = erasures.verdict(messageId: id, instanceId: item.message.instanceId, contact: item.contact.externalId)
        }
        if verdict == .erased {
            returned()
            runtime.metrics.increment("switchboard_outbound_messages_total", labels: [("outcome", "erased")])
            logger.debug("outbound message not sent: its contact was erased", metadata: ["message": "\(id)"])
            return true
        }
        let sent: Result<[UInt8], any Error>
        do {
            sent = .success(try await runtime.send(instanceId: item.message.instanceId, messageJSON: Self.sendJSON(item)))
        } catch {
            sent = .failure(error)
        }
        returned()
        do {
            let result = try sent.get()
            let object = (try? JSONSerialization.jsonObject(with: Data(result))) as? [String: Any] ?? [:]
            let status = (object["status"] as? String).flatMap(MessageStatus.init(rawValue:)) ?? .sent
            try await writer.recordSent(
                ConversationStore.SentReport(
                    messageId: id, externalId: object["external_id"] as? String,
                    status: [.sent, .delivered, .read].contains(status) ? status : .sent))
            runtime.metrics.increment("switchboard_outbound_messages_total", labels: [("outcome", "sent")])
            return true
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
            return permanent || exhausted
        } catch {
            logger.error("outbound message not recorded as sent", metadata: ["message": "\(id)", "error": "\(error)"])
            try? store.retryOutbox(id, error: "\(error)", at: backoff(item.attempts))
            return false
        }
    }

    /// Answer a reply job held for this host (a streamed reply on PostgreSQL: the client waits
    /// on this host's stream); at capacity it goes back to the queue for any host.
    private func answerNow(_ inboundId: String) {
        guard replying.claim(inboundId, capacity: settings.concurrency) else {
            try? store.releaseReplyJob(inboundId, at: StorageClock.milliseconds())
            replyWake.signal()
            return
        }
        Task {
            guard let job = try? store.replyJob(inboundId) else {
                replying.release(inboundId, finished: true)
                return
            }
            replying.release(inboundId, finished: await answer(job))
            replyWake.signal()
        }
    }

    // MARK: - Answering at once

    /// The reply to an inbound message when no agent call is needed: the tenant's agent is the
    /// template (no instance Agent API overrides it) and its budget has a call free. The message
    /// is then stored with its reply in one transaction. A message that turns out to be a
    /// duplicate or in a paused conversation has still taken its budget token.
    private func immediateReply(_ input: InboundInput) -> String? {
        guard let entry = runtime.registryEntry(id: input.instanceId), entry.isServable,
            AgentConfiguration.instanceOverride(SecretSettings.object(entry.instance.settings)) == nil,
            let assistant = try? assistants.assistant(tenantId: entry.tenant.id), assistant.agent == .template,
            limiter.withLock({ $0.acquire(entry.tenant.id, now: StorageClock.milliseconds()) }) == 0
        else { return nil }
        runtime.metrics.increment("switchboard_agent_replies_total", labels: [("outcome", "ok")])
        return TemplateAgent.text(
            for: Self.agentRequest(
                entry, assistant, contact: input.from, contactName: input.fromName, conversationId: "",
                message: input.text, history: []))
    }

    /// What the agent is asked: the message in its tenant, instance and conversation, with the
    /// assistant's profile, published prompt and knowledge.
    private static func agentRequest(
        _ entry: ResolvedInstance, _ assistant: Assistant, contact: String, contactName: String?,
        conversationId: String, message: String, history: [AgentTurn]
    ) -> AgentRequest {
        AgentRequest(
            tenantSlug: entry.tenant.slug, channel: entry.instance.plugin, instance: entry.instance.name,
            contact: contact, contactName: contactName, conversationId: conversationId, message: message,
            history: history, profile: assistant.profile, prompt: assistant.prompt, knowledge: assistant.knowledge)
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
        // A signal already pending: no timer to set up and cancel.
        let pending = state.withLock { state -> Bool in
            guard state.pending else { return false }
            state.pending = false
            return true
        }
        if pending { return }
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
