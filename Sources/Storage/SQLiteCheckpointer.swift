import CSQLite
import Foundation

/// Checkpoints one SQLite file's WAL on a thread of its own, through a connection of its own:
/// every `interval` it runs a passive checkpoint (which never blocks the writer, and costs next
/// to nothing when the WAL holds nothing new). The committing connection raises its own
/// automatic checkpoint to ``backstopPages``, so it only checkpoints itself when this thread
/// fell far behind.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// The committing connection's own automatic checkpoint threshold (pages, 4 KiB each): about
    /// 40 MiB of WAL, far more than one interval's worth of commits.
    static let backstopPages = 10_000

    private let handle: OpaquePointer
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var stopped = false

    /// Takes ownership of `handle` (closed when the thread ends).
    init(handle: OpaquePointer, interval: TimeInterval = 0.05) {
        self.handle = handle
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "sb-checkpoint"
        thread.start()
    }

    /// End the thread (after a last checkpoint); returns at once.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        if let file = fopen("/proc/thread-self/comm", "w") {
            fputs("sb-checkpoint", file)
            fclose(file)
        }
        while true {
            condition.lock()
            if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
            let done = stopped
            condition.unlock()
            // Passive: copies what no reader still needs, never waits on the writer. A busy
            // answer just means the next round does it.
            _ = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            if done { break }
        }
        sqlite3_close_v2(handle)
    }
}
