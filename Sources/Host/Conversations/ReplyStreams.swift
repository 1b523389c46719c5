import SwitchboardStorage

/// Which inbound messages' replies a plugin asked to have streamed (`"stream": true` on
/// `inbound_deliver`). In memory on purpose: the stream it feeds is a live connection that does
/// not survive the process, and a reply produced after a restart simply arrives whole through
/// `on_send`. Entries are taken by the reply worker; unclaimed ones are dropped after an hour.
final class ReplyStreams: Sendable {
    private struct State {
        var requested: [String: ContinuousClock.Instant] = [:]
        /// Streams asked for messages still being stored, by instance and external id: the reply
        /// worker can pick a message up before `inbound_deliver` returns to the plugin.
        var expected: Set<String> = []
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

    /// A stream is asked for the message `externalId` of `instanceId`, about to be stored.
    func expect(instanceId: String, externalId: String) {
        _ = state.withLock { $0.expected.insert(Self.key(instanceId, externalId)) }
    }

    /// The message was stored: stream the reply to `inboundId` when given, and drop the expectation.
    func settle(instanceId: String, externalId: String, inboundId: String?) {
        if let inboundId { request(inboundId) }
        _ = state.withLock { $0.expected.remove(Self.key(instanceId, externalId)) }
    }

    /// True when the reply to `message` should be streamed (asked for, or about to be). Stays
    /// set until `finish`, so a retried reply streams again.
    func isRequested(_ message: MessageRecord) -> Bool {
        state.withLock { state in
            state.requested[message.id] != nil
                || message.externalId.map { state.expected.contains(Self.key(message.instanceId, $0)) } == true
        }
    }

    private static func key(_ instanceId: String, _ externalId: String) -> String { instanceId + "\n" + externalId }

    func finish(_ inboundId: String) {
        _ = state.withLock { $0.requested.removeValue(forKey: inboundId) }
    }

    var count: Int { state.withLock { $0.requested.count } }
}
