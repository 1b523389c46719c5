import NIOCore

/// The outbound messages of one host on their way to the plugins: at most `limit` sends run at
/// once, up to `backlog` more wait here in order. A burst of replies is sent straight from
/// memory, without reading the outbox back; the outbox in the database stays the record (a
/// crash or a full line leaves the rest there, for the send loop to read).
///
/// A send holds its place only while the plugin works on it: once `on_send` returned, the next
/// waiting message starts while the first one's report is still being committed.
///
/// Plain logic behind a lock: the engine asks it what to start and starts it.
struct SendLine<Item>: Sendable where Item: Sendable {
    /// What became of an offered item.
    enum Offer: Equatable {
        /// Start it now: a place was free.
        case start
        /// It waits its turn in memory.
        case queued
        /// No room: it stays in the outbox for the send loop (which is told to look again).
        case full
    }

    let limit: Int
    let backlog: Int
    private var waiting = CircularBuffer<Item>()
    private(set) var running = 0
    /// The send loop found no room (or filled what there was) and waits to be told when a place
    /// frees up, since the outbox may hold more than it read.
    private var loopWaiting = false

    init(limit: Int, backlog: Int) {
        self.limit = max(1, limit)
        self.backlog = max(0, backlog)
    }

    /// Messages waiting in memory.
    var waitingCount: Int { waiting.count }

    /// How many more items the send loop may read from the outbox now: free places not already
    /// spoken for by waiting items. Zero marks the loop as waiting for room.
    mutating func room() -> Int {
        let free = max(0, limit - running - waiting.count)
        if free == 0 { loopWaiting = true }
        return free
    }

    /// The loop read as many items as it had room for: there may be more in the outbox.
    mutating func loopFilledRoom() { loopWaiting = true }

    /// Offer one item (handed over after its commit, or read from the outbox).
    mutating func offer(_ item: Item) -> Offer {
        if running < limit && waiting.isEmpty {
            running += 1
            return .start
        }
        guard waiting.count < backlog else {
            loopWaiting = true
            return .full
        }
        waiting.append(item)
        return .queued
    }

    /// A send left the plugin: its place goes to the next waiting item, if any (returned, to be
    /// started). `wakeLoop`: the send loop waited for room and should read the outbox again.
    mutating func sendReturned() -> (next: Item?, wakeLoop: Bool) {
        if let next = waiting.popFirst() { return (next, false) }
        running = max(0, running - 1)
        let wake = loopWaiting
        loopWaiting = false
        return (nil, wake)
    }
}
