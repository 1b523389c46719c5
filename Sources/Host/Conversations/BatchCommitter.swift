import Foundation
import SwitchboardStorage

/// Group commit: callers hand over one item each and wait; one writer thread takes everything
/// that queued up meanwhile and processes it as one batch (one database transaction), so a
/// one-writer-at-a-time store pays its commit per batch, not per item.
final class BatchCommitter<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    /// Processes one batch: a result per item, in order; throwing fails every item of the batch.
    typealias Process = @Sendable ([Input]) throws -> [Result<Output, StorageError>]

    private final class Ticket: @unchecked Sendable {
        let input: Input
        let deliver: @Sendable (Result<Output, any Error>) -> Void

        init(_ input: Input, deliver: @escaping @Sendable (Result<Output, any Error>) -> Void) {
            self.input = input
            self.deliver = deliver
        }
    }

    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the host is shutting down" }
    }

    private let process: Process
    private let maxBatch: Int
    private let condition = NSCondition()
    private var queue: [Ticket] = []
    private var stopped = false

    /// - Parameter writers: threads taking batches off the queue; more than one only where the
    ///   database commits concurrently (PostgreSQL), never on SQLite's single writer.
    init(name: String, maxBatch: Int = 512, writers: Int = 1, process: @escaping Process) {
        self.process = process
        self.maxBatch = maxBatch
        for index in 0..<max(1, writers) {
            let threadName = writers > 1 ? "\(name)-\(index)" : name
            let thread = Thread { [unowned self] in
                // The kernel's name too (what top -H and perf show), at most 15 bytes.
                if let file = fopen("/proc/thread-self/comm", "w") {
                    fputs(String(decoding: threadName.utf8.prefix(15), as: UTF8.self), file)
                    fclose(file)
                }
                self.run()
            }
            thread.name = threadName
            thread.start()
        }
    }

    /// Process one item; returns once its batch is committed. Blocks the calling thread: for
    /// plugin worker threads, never the event loop or Swift's cooperative pool.
    func submitAndWait(_ input: Input) -> Result<Output, any Error> {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        enqueue(Ticket(input) { result in
            box.result = result
            done.signal()
        })
        done.wait()
        return box.result ?? .failure(Stopped())
    }

    /// Process one item; resumes once its batch is committed.
    func submit(_ input: Input) async -> Result<Output, any Error> {
        await withCheckedContinuation { continuation in
            enqueue(Ticket(input) { continuation.resume(returning: $0) })
        }
    }

    /// Process what is queued, then end the writer thread; later submissions fail at once.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<Output, any Error>?
    }

    private func enqueue(_ ticket: Ticket) {
        condition.lock()
        if stopped {
            condition.unlock()
            ticket.deliver(.failure(Stopped()))
            return
        }
        queue.append(ticket)
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
            condition.unlock()
            let results: [Result<Output, any Error>]
            do {
                results = try process(batch.map(\.input)).map { $0.mapError { $0 } }
            } catch {
                results = batch.map { _ in .failure(error) }
            }
            for (ticket, result) in zip(batch, results) { ticket.deliver(result) }
        }
    }
}
