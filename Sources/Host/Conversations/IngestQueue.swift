import Foundation
import SwitchboardStorage

/// Group commit for inbound messages: plugins hand messages over on their worker threads and
/// block until the message is durable; a writer thread commits everything that queued up
/// meanwhile in a single transaction.
final class IngestQueue: Sendable {
    private let committer: BatchCommitter<InboundInput, IngestOutcome>
    private let observer = Locked<(@Sendable ([IngestOutcome]) -> Void)?>(nil)
    private let answerer = Locked<(@Sendable (InboundInput) -> String?)?>(nil)

    /// On PostgreSQL several writers commit batches at once. Each batch is stored in one order
    /// (instance, then thread), so two batches lock shared contact and conversation rows in the
    /// same order and never deadlock; a batch that still loses a serialization race is retried.
    init(store: ConversationStore, handoffPause: Int64) {
        let observer = self.observer
        let concurrent = store.backend == .postgres
        committer = BatchCommitter(name: "switchboard-ingest", writers: concurrent ? 4 : 1) { inputs in
            let order = concurrent ? Self.lockOrder(inputs) : Array(inputs.indices)
            var attempt = 0
            while true {
                do {
                    let sorted = try store.ingest(order.map { inputs[$0] }, handoffPause: handoffPause)
                    var results = sorted
                    for (position, index) in order.enumerated() { results[index] = sorted[position] }
                    let stored = results.compactMap { try? $0.get() }
                    if !stored.isEmpty, let notify = observer.load() { notify(stored) }
                    return results
                } catch let error as StorageError where error.code == .busy && attempt < 3 {
                    attempt += 1
                }
            }
        }
    }

    /// Indices of `inputs` sorted by instance, then thread (the plugin's key, else the sender).
    static func lockOrder(_ inputs: [InboundInput]) -> [Int] {
        inputs.indices.sorted { a, b in
            let left = (inputs[a].instanceId, inputs[a].threadKey ?? inputs[a].from)
            let right = (inputs[b].instanceId, inputs[b].threadKey ?? inputs[b].from)
            return left != right ? left < right : a < b
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
