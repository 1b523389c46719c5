/// Which queued items are being worked on, and which were finished lately. An item reaches a
/// worker two ways (the loop reading its queue, or a direct hand-over right after the commit
/// that queued it); claiming through one `WorkClaims` makes sure it is worked on once.
final class WorkClaims: Sendable {
    private struct State {
        var busy: Set<String> = []
        var finished: RecentIDs
    }

    private let state: Locked<State>

    /// `memory`: how many finished ids are remembered. A queue read that started before an item
    /// finished may still return it, for far less time than this many items take.
    init(memory: Int = 4096) {
        state = Locked(State(finished: RecentIDs(capacity: memory)))
    }

    /// The items being worked on now.
    var busy: Set<String> { state.withLock { $0.busy } }

    /// Take `id` for a worker: false when it is being worked on, was finished lately, or
    /// `capacity` items are busy already.
    func claim(_ id: String, capacity: Int = .max) -> Bool {
        state.withLock { state in
            guard state.busy.count < capacity, !state.finished.contains(id) else { return false }
            return state.busy.insert(id).inserted
        }
    }

    /// The worker is done with `id`; `finished`: it left its queue for good (not to be retried).
    func release(_ id: String, finished: Bool) {
        state.withLock { state in
            state.busy.remove(id)
            if finished { state.finished.insert(id) }
        }
    }
}
