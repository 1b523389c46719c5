/// Which inbound messages' replies a plugin asked to have streamed (`"stream": true` on
/// `inbound_deliver`). In memory on purpose: the stream it feeds is a live connection that does
/// not survive the process, and a reply produced after a restart simply arrives whole through
/// `on_send`. Entries are taken by the reply worker; unclaimed ones are dropped after an hour.
final class ReplyStreams: Sendable {
    private struct State {
        var requested: [String: ContinuousClock.Instant] = [:]
        var requestsSincePrune = 0
    }

    private let state = Locked(State())
    private let lifetime: Duration

    init(lifetime: Duration = .seconds(3600)) {
        self.lifetime = lifetime
    }

    func request(_ inboundId: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.requested[inboundId] = now
            state.requestsSincePrune += 1
            if state.requestsSincePrune >= 1024 {
                state.requestsSincePrune = 0
                state.requested = state.requested.filter { now - $0.value < lifetime }
            }
        }
    }

    /// True when the reply to `inboundId` should be streamed. Stays set until `finish`, so a
    /// retried reply streams again.
    func isRequested(_ inboundId: String) -> Bool {
        state.withLock { $0.requested[inboundId] != nil }
    }

    func finish(_ inboundId: String) {
        _ = state.withLock { $0.requested.removeValue(forKey: inboundId) }
    }

    var count: Int { state.withLock { $0.requested.count } }
}
