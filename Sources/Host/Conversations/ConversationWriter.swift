import Foundation
import SwitchboardStorage

/// Group commit for everything the conversation core writes on its hot path: inbound messages
/// handed over by plugins (their threads block until the message is durable), the assistant's
/// replies and send reports. Whatever queued up while the last transaction ran goes into the
/// next one, so on SQLite's single writer one commit carries a whole batch of each kind, and
/// send reports never wait behind inbound messages for a writer of their own.
final class ConversationWriter: Sendable {
    private let committer: BatchCommitter<ConversationWrite, ConversationWritten>
    private let observer = Locked<(@Sendable ([IngestOutcome]) -> Void)?>(nil)
    private let answerer = Locked<(@Sendable (InboundInput) -> String?)?>(nil)

    /// On PostgreSQL several writers commit batches at once. Each batch is stored in one order
    /// (inbound messages by instance, then thread; other writes after), so two batches lock shared
    /// contact and conversation rows in the same order and never deadlock; a batch that still
    /// loses a serialization race is retried.
    init(store: ConversationStore, handoffPause: Int64) {
        let observer = self.observer
        let concurrent = store.backend == .postgres
        committer = BatchCommitter(name: "sb-writer", writers: concurrent ? 4 : 1) { items in
            let order = concurrent ? Self.lockOrder(items) : Array(items.indices)
            var attempt = 0
            while true {
                do {
                    let sorted = try store.write(order.map { items[$0] }, handoffPause: handoffPause)
                    var results = sorted
                    for (position, index) in order.enumerated() { results[index] = sorted[position] }
                    let stored = results.compactMap { result -> IngestOutcome? in
                        guard case .success(.inbound(let outcome)) = result else { return nil }
                        return outcome
                    }
                    if !stored.isEmpty, let notify = observer.load() { notify(stored) }
                    return results
                } catch let error as StorageError where error.code == .busy && attempt < 3 {
                    attempt += 1
                }
            }
        }
    }

    /// Indices of `items`: inbound messages sorted by instance, then thread (the plugin's key,
    /// else the sender), then the other writes in their order.
    static func lockOrder(_ items: [ConversationWrite]) -> [Int] {
        func key(_ index: Int) -> (Int, String, String) {
            guard case .inbound(let input) = items[index] else { return (1, "", "") }
            return (0, input.instanceId, input.threadKey ?? input.from)
        }
        return items.indices.sorted { a, b in
            let left = key(a)
            let right = key(b)
            return left != right ? left < right : a < b
        }
    }

    /// Called after each commit with the inbound messages it stored (duplicates included).
    func observe(_ observer: @escaping @Sendable ([IngestOutcome]) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// Called before a message is stored, for a reply that needs no agent call (the template
    /// agent's): it is then stored and queued in the same transaction as the message.
    func answerImmediately(_ answerer: @escaping @Sendable (InboundInput) -> String?) {
        self.answerer.withLock { $0 = answerer }
    }

    /// Store one inbound message; returns once it is committed. Blocks the calling thread.
    /// `streamed`: the plugin wants the reply piece by piece, so it is never answered immediately.
    func submit(_ input: InboundInput, streamed: Bool = false) -> Result<IngestOutcome, StorageError> {
        var input = input
        input.holdReplyJob = streamed
        if !streamed && !input.fromHuman, let answer = answerer.load() {
            input.immediateReply = answer(input)
        }
        return committer.submitAndWait(.inbound(input)).flatMap { written in
            guard case .inbound(let outcome) = written else { return .failure(Mismatch()) }
            return .success(outcome)
        }.mapError(Self.storageError)
    }

    /// Store the assistant's reply to `inboundId` (see ``ConversationStore/completeReply(to:text:claimed:)``).
    func completeReply(to inboundId: String, text: String, claimed: Bool) async throws -> MessageRecord? {
        let written = try await committer.submit(.reply(inboundId: inboundId, text: text, claimed: claimed)).get()
        guard case .reply(let reply) = written else { throw Self.storageError(Mismatch()) }
        return reply
    }

    /// Record that a plugin took an outbound message (see ``ConversationStore/markSent(_:externalId:status:)``).
    func recordSent(_ report: ConversationStore.SentReport) async throws {
        _ = try await committer.submit(.sent(report)).get()
    }

    func stop() { committer.stop() }

    private struct Mismatch: Error {}

    private static func storageError(_ error: any Error) -> StorageError {
        error as? StorageError ?? StorageError(.internal, "\(error)")
    }
}
