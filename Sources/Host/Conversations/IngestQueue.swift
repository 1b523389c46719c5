import Foundation
import SwitchboardStorage

/// Group commit for inbound messages. Plugins hand messages over on their worker threads and
/// block until the message is durable; one writer thread commits everything that queued up
/// meanwhile in a single transaction, so SQLite's one-writer-at-a-time limit is paid per batch,
/// not per message.
final class IngestQueue: @unchecked Sendable {
    private final class Ticket: @unchecked Sendable {
        let input: InboundInput
        let done = DispatchSemaphore(value: 0)
        var result: Result<IngestOutcome, StorageError>?

        init(_ input: InboundInput) { self.input = input }
    }

    private let store: ConversationStore
    private let handoffPause: Int64
    private let maxBatch: Int
    private let condition = NSCondition()
    private var queue: [Ticket] = []
    private var stopped = false
    private var observer: (@Sendable ([IngestOutcome]) -> Void)?
    private var thread: Thread?

    init(store: ConversationStore, handoffPause: Int64, maxBatch: Int = 512) {
        self.store = store
        self.handoffPause = handoffPause
        self.maxBatch = maxBatch
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "switchboard-ingest"
        self.thread = thread
        thread.start()
    }

    /// Called after each commit with the messages it stored (duplicates included).
    func observe(_ observer: @escaping @Sendable ([IngestOutcome]) -> Void) {
        condition.lock()
        self.observer = observer
        condition.unlock()
    }

    /// Store one inbound message; returns once it is committed. Blocks the calling thread: call
    /// from plugin worker threads, never from the event loop or Swift's cooperative pool.
    func submit(_ input: InboundInput) -> Result<IngestOutcome, StorageError> {
        let ticket = Ticket(input)
        condition.lock()
        if stopped {
            condition.unlock()
            return .failure(StorageError(.io, "the host is shutting down"))
        }
        queue.append(ticket)
        condition.signal()
        condition.unlock()
        ticket.done.wait()
        return ticket.result ?? .failure(StorageError(.internal, "ingest finished without a result"))
    }

    /// Commit what is queued, then end the writer thread.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            let observer = self.observer
            condition.unlock()

            let results: [Result<IngestOutcome, StorageError>]
            do {
                results = try store.ingest(batch.map(\.input), handoffPause: handoffPause)
            } catch {
                let failure = error as? StorageError ?? StorageError(.internal, "\(error)")
                results = batch.map { _ in .failure(failure) }
            }
            for (ticket, result) in zip(batch, results) {
                ticket.result = result
                ticket.done.signal()
            }
            let stored = results.compactMap { try? $0.get() }
            if !stored.isEmpty { observer?(stored) }
        }
    }
}
