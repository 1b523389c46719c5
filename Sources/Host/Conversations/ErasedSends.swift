/// Outbound messages that must not reach a plugin because their contact was erased
/// (`contact_forget`) after they were queued: a message can wait in this host's memory (the
/// ``SendLine``) while its row is deleted, and the send must not go out after the erasure.
///
/// Checked right before `on_send`:
/// - while an erasure runs, a message to that contact of that instance waits for its end (the
///   message may be deleted by it, or may be new and stay);
/// - once it ended, the ids of the messages it took from the outbox stay known (the most recent
///   ``capacity`` of them: more than the line can hold in memory) and are never sent.
///
/// Plain logic behind a lock, shared by the host services (which erase) and the send path.
final class ErasedSends: Sendable {
    struct Erasure: Sendable {
        fileprivate let key: String
    }

    private struct State {
        var erasing: [String: Int] = [:]
        var erased: Set<String> = []
        var order: [String] = []
        var head = 0
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int = 16_384) {
        self.capacity = max(1, capacity)
    }

    /// An erasure of `contact` (the channel's id) of `instanceId` begins: hold its sends.
    func begin(instanceId: String, contact: String) -> Erasure {
        let key = Self.key(instanceId, contact)
        state.withLock { $0.erasing[key, default: 0] += 1 }
        return Erasure(key: key)
    }

    /// The erasure ended (committed or not); `messageIds` are the outbound messages it removed
    /// from the outbox, which stay barred from sending.
    func end(_ erasure: Erasure, removed messageIds: [String]) {
        state.withLock { state in
            if let count = state.erasing[erasure.key], count > 1 {
                state.erasing[erasure.key] = count - 1
            } else {
                state.erasing[erasure.key] = nil
            }
            for id in messageIds where state.erased.insert(id).inserted {
                state.order.append(id)
            }
            // Forget the oldest ids beyond capacity; compact the order list now and then.
            while state.order.count - state.head > capacity {
                state.erased.remove(state.order[state.head])
                state.head += 1
            }
            if state.head > capacity {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// True while an erasure of `contact` of `instanceId` runs: a send to it waits for the end.
    func isErasing(instanceId: String, contact: String) -> Bool {
        state.withLock { $0.erasing[Self.key(instanceId, contact)] != nil }
    }

    /// True when the message was removed by an erasure: it must not be sent.
    func wasErased(_ messageId: String) -> Bool {
        state.withLock { $0.erased.contains(messageId) }
    }

    private static func key(_ instanceId: String, _ contact: String) -> String {
        "\(instanceId)\u{0}\(contact)"
    }
}
