/// How the conversation core behaves: passed in from the configuration (`[conversations]`).
public struct ConversationSettings: Sendable, Hashable {
    /// How long the assistant stays quiet in a conversation after a person answered on the
    /// channel itself (a handoff), in milliseconds.
    public var handoffPauseMilliseconds: Int64 = 30 * 60 * 1000
    /// Agent calls per tenant per minute; over it, messages wait.
    public var agentCallsPerMinute = 60
    /// Earlier messages sent to the agent as context.
    public var historyLimit = 20
    /// Send attempts before an outbound message is marked failed.
    public var maxSendAttempts = 8
    /// Agent attempts before an inbound message is left unanswered (with the error stored).
    public var maxAgentAttempts = 5
    /// On PostgreSQL, how long a host holds the reply jobs and outbox rows it claimed before
    /// another host may take them (`[database] claim_lease_seconds`).
    public var claimLeaseMilliseconds: Int64 = 60_000
    /// First retry delay; each retry doubles it (with jitter), up to `maxRetryDelayMilliseconds`.
    public var retryBaseMilliseconds: Int64 = 1000
    public var maxRetryDelayMilliseconds: Int64 = 5 * 60 * 1000
    /// Replies produced and messages sent at the same time.
    public var concurrency = 16

    public init() {}
}

/// Exponential backoff with full jitter: attempt n (0-based) waits a random time between half
/// and all of `base * 2^n`, capped.
public struct Backoff: Sendable {
    public var base: Int64
    public var cap: Int64

    public init(base: Int64, cap: Int64) {
        self.base = base
        self.cap = cap
    }

    /// Milliseconds to wait before attempt `attempt + 1`; `random` in 0...1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Int64 {
        let exponent = min(max(attempt, 0), 30)
        let ceiling = min(cap, base.multipliedReportingOverflow(by: Int64(1) << Int64(exponent)).overflow
            ? cap : base * (Int64(1) << Int64(exponent)))
        let half = ceiling / 2
        return half + Int64(Double(ceiling - half) * min(max(random, 0), 1))
    }
}

/// Per-tenant token buckets for agent calls: `perMinute` calls a minute, bursts up to that.
/// Pure: the caller passes the time and sleeps for the returned wait.
public struct RateLimiter: Sendable {
    public var perMinute: Int
    private var buckets: [String: (tokens: Double, at: Int64)] = [:]

    public init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Take a token for `key` at `now` (milliseconds): 0 when one was free, else how many
    /// milliseconds to wait before asking again (nothing is taken then).
    public mutating func acquire(_ key: String, now: Int64) -> Int64 {
        guard perMinute > 0 else { return 0 }
        let capacity = Double(perMinute)
        let perMillisecond = capacity / 60_000
        var bucket = buckets[key] ?? (capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + Double(max(0, now - bucket.at)) * perMillisecond)
        bucket.at = now
        defer { buckets[key] = bucket }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return 0
        }
        return Int64(((1 - bucket.tokens) / perMillisecond).rounded(.up))
    }
}
