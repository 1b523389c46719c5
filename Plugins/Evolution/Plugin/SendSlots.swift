import Synchronization

/// The sends in flight across all instances of this plugin, capped. Outbound HTTP blocks one of
/// the plugin's worker threads for as long as Evolution takes (its typing delay included, up to
/// the timeout when the server is down); without a cap, a slow or unreachable Evolution server
/// would take every thread and webhooks, of every instance, would wait. A send over the cap fails
/// at once as retryable, and the outbox tries it again later.
final class SendSlots: Sendable {
    /// Half of the host's default eight worker threads per plugin.
    static let defaultLimit = 4

    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int = SendSlots.defaultLimit) {
        self.limit = limit
    }

    /// Take a slot; false when `limit` sends are already in flight.
    func acquire() -> Bool {
        var current = inFlight.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = inFlight.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        inFlight.subtract(1, ordering: .acquiringAndReleasing)
    }
}
