/// What happens to the reply to one visitor message.
public enum ReplyItem: Sendable, Equatable {
    /// The next piece; index 0 after a retried failure starts the reply again.
    case delta(String, index: Int)
    /// The agent failed; `retrying`: the host tries again.
    case failed(String, retrying: Bool)
    /// The finished reply arrived through `send`.
    case finished(String, messageID: String?)

    /// A finished reply or a final failure: nothing more comes.
    public var endsReply: Bool {
        switch self {
        case .finished: true
        case .failed(_, let retrying): !retrying
        case .delta: false
        }
    }
}

/// Routes reply events to whoever waits for them, by the visitor message's id (`reply_to`).
///
/// Events may come before the waiter attaches (the agent can be quicker than the request that
/// delivered the message): they wait, bounded, for a while. Events of an abandoned reply (the
/// visitor left) are dropped. Pure state: the plugin holds it under a lock.
public struct ReplyRouter<Waiter: Sendable>: Sendable {
    struct Slot: Sendable {
        var waiter: Waiter?
        var early: [ReplyItem] = []
        var abandoned = false
        var sinceMs: Int64
    }

    var slots: [String: Slot] = [:]
    /// At most this many items wait for a waiter per reply, and this many early replies are kept.
    public var maxEarlyItems = 4096
    public var maxEarlyReplies = 10_000

    public init() {}

    /// `waiter` waits for the reply to `replyTo`; returns the items that came before it.
    public mutating func attach(_ replyTo: String, _ waiter: Waiter, nowMs: Int64) -> [ReplyItem] {
        let early = slots[replyTo]?.early ?? []
        slots[replyTo] = Slot(waiter: waiter, sinceMs: nowMs)
        return early
    }

    /// Route one item: the waiter to hand it to, or nil when it was kept for later or dropped.
    /// A finished reply or a final failure ends the slot.
    public mutating func route(_ replyTo: String, _ item: ReplyItem, nowMs: Int64) -> Waiter? {
        let ends = item.endsReply
        guard var slot = slots[replyTo] else {
            if slots.count < maxEarlyReplies {
                slots[replyTo] = Slot(early: [item], sinceMs: nowMs)
            }
            return nil
        }
        if let waiter = slot.waiter {
            if ends { slots[replyTo] = nil }
            return waiter
        }
        if slot.abandoned {
            if ends { slots[replyTo] = nil }
            return nil
        }
        if slot.early.count < maxEarlyItems { slot.early.append(item) }
        slots[replyTo] = slot
        return nil
    }

    /// The waiter went away (client gone, timed out): drop what still comes for it.
    public mutating func abandon(_ replyTo: String, nowMs: Int64) {
        slots[replyTo] = Slot(abandoned: true, sinceMs: nowMs)
    }

    /// Remove waiters older than `waitMs` (returned: they time out) and early or abandoned slots
    /// older than `keepMs`.
    public mutating func expire(nowMs: Int64, waitMs: Int64, keepMs: Int64) -> [(String, Waiter)] {
        var expired: [(String, Waiter)] = []
        for (key, slot) in slots {
            if let waiter = slot.waiter {
                if nowMs - slot.sinceMs >= waitMs {
                    expired.append((key, waiter))
                    slots[key] = Slot(abandoned: true, sinceMs: nowMs)
                }
            } else if nowMs - slot.sinceMs >= keepMs {
                slots[key] = nil
            }
        }
        return expired
    }

    /// Replies tracked (waiting, early or abandoned).
    public var count: Int { slots.count }
}
