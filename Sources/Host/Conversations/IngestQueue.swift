import Foundation
import SwitchboardStorage

/// Group commit for inbound messages: plugins hand messages over on their worker threads and
/// block until the message is durable; a writer thread commits everything that queued up
/// meanwhile in a single transaction.
final class IngestQueue: Sendable {
    private let committer: BatchCommitter<InboundInput, IngestOutcome>
    private let observer = Locked<(@Sendable ([IngestOutcome]) -> Void)?>(nil)
    private let answerer = Locked<(@Sendable (InboundInput) -> String?)?>(nil)

    init(store: ConversationStore, handoffPause: Int64) {
        let observer = self.observer
        committer = BatchCommitter(name: "switchboard-ingest") { inputs in
            let results = try store.ingest(inputs, handoffPause: handoffPause)
            let stored = results.compactMap { try? $0.get() }
            if !stored.isEmpty, let notify = observer.load() { notify(stored) }
            return results
        }
    }

    /// Called after each commit with the messages it stored (duplicates included).
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
        return committer.submitAndWait(input).mapError { $0 as? StorageError ?? StorageError(.internal, "\($0)") }
    }

    func stop() { committer.stop() }
}
