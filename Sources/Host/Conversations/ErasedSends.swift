/// Outbound messages that must not reach a plugin because their contact was erased
/// (`contact_forget`) after they were queued: a message can wait in this host's memory (the
/// ``SendLine``) while its row is deleted, and the send must not go out after the erasure.
///
/// Checked right before `on_send`:
/// - while an erasure runs, a message to that contact of that instance waits for its end (the
///   message may be deleted by it, or may be new and stay);
/// - once it ended, the ids of the messages it took from the outbox stay known (the most recent
///   16,384 of them by default: more than the line can hold in memory) and are never sent.
///
/// Plain logic behind a lock, shared by the host services (which erase) and the send path.
final class ErasedSends: Sendable {
    struct Erasure: Sendable {
        fileprivate let key: String
    }

    /// What may become of one outbound message now.
    enum Verdict: Equatable {
        /// Send it.
        case send
        /// Its contact is being erased: ask again once the erasure ended.
        case wait
        /// An erasure removed it: never send it.
        case erased
    }

    private struct State {
        /// Erasures running, by instance and contact (the same contact may be erased twice at once).
        var erasing: [String: Int] = [:]
        var erased: RecentIDs
    }

    private let state: Locked<State>

    /// `capacity`: how many erased ids are remembered, more than the send line holds in memory.
    init(capacity: Int = 16_384) {
        state = Locked(State(erased: RecentIDs(capacity: capacity)))
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
            for id in messageIds { state.erased.insert(id) }
        }
    }

    /// Whether the message `messageId` to `contact` of `instanceId` may be sent now.
    func verdict(messageId: String, instanceId: String, contact: String) -> Verdict {
        state.withLock { state in
            if state.erased.contains(messageId) { return .erased }
            if !state.erasing.isEmpty, state.erasing[Self.key(instanceId, contact)] != nil { return .wait }
            return .send
        }
    }

    private static func key(_ instanceId: String, _ contact: String) -> String {
        "\(instanceId)\u{0}\(contact)"
    }
}
