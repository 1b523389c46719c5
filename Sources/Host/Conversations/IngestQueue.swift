import Foundation
import SwitchboardStorage

/// Group commit for inbound messages: plugins hand messages over on their worker threads and
/// block until the message is durable; a writer thread commits everything that queued up
/// meanwhile in a single transaction.
final class IngestQueue: Sendable {
    private let committer: BatchCommitter<InboundInput, IngestOutcome>
    private let observer = Locked<(@Sendable ([IngestOutcome]) -> Void)?>(nil)

    init(store: ConversationStore, handoffPause: Int64) {
        let observer = self.observer
        committer = BatchCommitter(name: "switchboard-ingest") { inputs in
            let results = try store.ingest(inputs, handoffPause: handoffPause)
            let stored = results.compactMap { try? $0.get() }
            if !stored.isEmpty, let notify = observer.withLock({ $0 }) { notify(stored) }
            return results
        }
    }

    /// Called after each commit with the messages it stored (duplicates included).
    func observe(_ observer: @escaping @Sendable ([IngestOutcome]) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// Store one inbound message; returns once it is committed. Blocks the calling thread.
    func submit(_ input: InboundInput) -> Result<IngestOutcome, StorageError> {
        committer.submitAndWait(input).mapError { $0 as? StorageError ?? StorageError(.internal, "\($0)") }
    }

    func stop() { committer.stop() }
}
