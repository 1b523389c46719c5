import Synchronization
import SMSCore
import SwitchboardSDK

/// The core's rules applied to the store: every change audited, every routing decision traced.
struct Masking: Sendable {
    let store: Store
    let settings: SMSSettings
    /// When routing last swept (routing sweeps at most once a second; the timer every 2 s).
    let lastSweep = SweepClock()

    /// Sweep unless routing swept less than a second ago.
    func sweepIfDue(now: Millis) throws {
        if lastSweep.claim(now: now, every: 1000) { try sweep(now: now) }
    }

    /// Quarantines that ended return to service; holds that ended become quarantines.
    func sweep(now: Millis) throws {
        let due =
            try store.numbers(where: "WHERE status = 'quarantined' AND quarantine_until <= ?1", [.integer(now)])
            + store.numbers(where: "WHERE hold_until IS NOT NULL AND hold_until <= ?1 AND status = 'active'", [.integer(now)])
        for number in due {
            let change =
                NumberLifecycle.expire(number, now: now)
                ?? NumberLifecycle.endHold(number, days: settings.quarantineDays, now: now)
            guard let change else { continue }
            if try store.update(change.number, from: number) {
                try store.record(change.audit)
                if number.holdUntil != nil, let sitterID = number.assignedSitterID, var sitter = try store.sitter(sitterID),
                    sitter.numberID == number.id
                {
                    sitter.numberID = nil
                    try store.update(sitter)
                }
            }
        }
    }

    /// Apply a number change if nobody changed the number meanwhile (409 otherwise).
    func apply(_ change: NumberChange, from before: MaskedNumber) throws -> MaskedNumber {
        guard try store.update(change.number, from: before) else {
            throw FieldError(.conflict, field: "number", "the number changed meanwhile; read it again")
        }
        try store.record(change.audit)
        return change.number
    }

    /// The from-number for a message to `phone` now, with the trace stored.
    func routeOutbound(to phone: String, ref: String?, now: Millis, record: Bool = true) throws -> (OutboundDecision, ConversationThread?) {
        try sweepIfDue(now: now)
        let found = try store.clientAndThread(phone: phone)
        let client = found?.0
        let thread = try found.map { try $0.1 ?? store.thread(forClient: $0.0.id, now: now) }
        let senders = try store.numbers(where: "WHERE role IN ('pool', 'front_desk') AND status = 'active'")
        let pool = senders.filter { $0.role == .pool }
        let stickyUsable = pool.contains { $0.id == thread?.poolNumberID && $0.isRoutable }
        let situation = OutboundSituation(
            windows: try client.map { try store.windows(client: $0.id, now: now) } ?? [], pool: pool,
            frontDesk: senders.filter { $0.role == .frontDesk }, stickyPoolID: thread?.poolNumberID,
            poolLoad: stickyUsable ? [:] : try store.poolLoad(), now: now)
        var decision = OutboundRouter.decide(situation)
        if client == nil { decision.trace = "Recipient is not a known client; " + decision.trace }
        if let thread, let sticky = decision.newStickyPoolID { try store.setStickyPool(thread: thread.id, number: sticky) }
        guard record else { return (decision, thread) }
        try store.trace(
            thread: thread?.id, direction: "outbound", decision: decision.reason.rawValue, from: decision.from?.e164,
            ref: ref, text: decision.trace, now: now)
        return (decision, thread)
    }

    /// Where an inbound text goes, with the trace stored.
    func routeInbound(from: String, to: String, ref: String, now: Millis) throws -> (InboundDecision, ConversationThread?) {
        try sweepIfDue(now: now)
        let client = try store.clients(where: "WHERE phone = ?1", [.text(from)]).first
        let sitter = try store.sitters(where: "WHERE personal_phone = ?1", [.text(from)]).first
        let situation = InboundSituation(
            from: from, to: try store.number(e164: to), client: client,
            clientWindows: try client.map { try store.windows(client: $0.id, now: now) } ?? [], sitter: sitter,
            sitterWindows: try sitter.map { try store.windows(sitter: $0.id, now: now) } ?? [], now: now)
        let decision = InboundRouter.decide(situation)
        var thread: ConversationThread?
        switch decision.action {
        case .conversation(let c), .relayToSitter(_, _, _, let c): thread = try store.thread(forClient: c.id, now: now)
        case .relayToClient(let c, _, _): thread = try store.thread(forClient: c.id, now: now)
        case .frontDesk, .unknownSender: thread = nil
        }
        try store.trace(
            thread: thread?.id, direction: "inbound", decision: Self.name(decision.action), from: nil, ref: ref,
            text: decision.trace, now: now)
        return (decision, thread)
    }

    static func name(_ action: InboundAction) -> String {
        switch action {
        case .relayToSitter: "relay_to_sitter"
        case .conversation: "conversation"
        case .relayToClient: "relay_to_client"
        case .frontDesk: "front_desk"
        case .unknownSender: "unknown_sender"
        }
    }

    // MARK: - Sitters

    func activate(_ sitterID: Int64, actor: String, now: Millis) throws -> (Sitter, MaskedNumber?) {
        try sweepIfDue(now: now)
        guard let sitter = try store.sitter(sitterID) else { throw FieldError(.notFound, field: "sitterId", "no such sitter") }
        let current = try sitter.numberID.flatMap(store.number)
        for _ in 0..<5 {
            let free = try store.numbers(where: "WHERE role = 'sitter' AND status = 'active' AND assigned_sitter_id IS NULL")
            let change = try SitterLifecycle.activate(sitter, current: current, free: free, actor: actor, now: now)
            if let number = change.number {
                let before = try store.number(number.id) ?? number
                guard try store.update(number, from: before) else { continue }
            }
            try store.update(change.sitter)
            for entry in change.audits { try store.record(entry) }
            return (change.sitter, try change.sitter.numberID.flatMap(store.number))
        }
        throw FieldError(.conflict, field: "numbers", "sitter numbers changed meanwhile; try again")
    }

    func deactivate(_ sitterID: Int64, actor: String, now: Millis) throws -> (Sitter, MaskedNumber?) {
        guard let sitter = try store.sitter(sitterID) else { throw FieldError(.notFound, field: "sitterId", "no such sitter") }
        let current = try sitter.numberID.flatMap(store.number)
        let change = SitterLifecycle.deactivate(sitter, current: current, holdMillis: settings.holdMillis, actor: actor, now: now)
        if let number = change.number, let current {
            guard try store.update(number, from: current) else {
                throw FieldError(.conflict, field: "number", "the sitter's number changed meanwhile; try again")
            }
        }
        try store.update(change.sitter)
        for entry in change.audits { try store.record(entry) }
        if settings.holdMillis == 0 { try sweep(now: now) }
        return (change.sitter, try sitter.numberID.flatMap(store.number))
    }
}

/// The time of the last routing sweep, claimed atomically.
final class SweepClock: Sendable {
    private let last = Atomic<Int64>(0)

    /// True (and the time recorded) when `every` ms have passed since the last claim.
    func claim(now: Millis, every: Millis) -> Bool {
        let previous = last.load(ordering: .relaxed)
        guard now - previous >= every else { return false }
        return last.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged
    }
}
