/// A token bucket: `capacity` tokens, refilled at `capacity` per minute.
public struct TokenBucket: Sendable, Equatable {
    public var capacity: Double
    public var tokens: Double
    /// Milliseconds (any monotonic clock) of the last refill.
    public var updatedMs: Int64

    public init(perMinute: Int, nowMs: Int64) {
        self.capacity = Double(max(1, perMinute))
        self.tokens = capacity
        self.updatedMs = nowMs
    }

    /// Tokens regained per millisecond.
    var ratePerMs: Double { capacity / 60_000 }

    /// Bring the tokens up to `nowMs`.
    mutating func refill(_ nowMs: Int64) {
        guard nowMs > updatedMs else { return }
        tokens = min(capacity, tokens + Double(nowMs - updatedMs) * ratePerMs)
        updatedMs = nowMs
    }

    /// Take one token; nil when taken, else the whole seconds until one is back.
    public mutating func take(_ nowMs: Int64) -> Int? {
        refill(nowMs)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return Int(((1 - tokens) / ratePerMs / 1000).rounded(.up))
    }

    /// Whether the bucket is full again at `nowMs` (it can be forgotten).
    func isFull(_ nowMs: Int64) -> Bool {
        tokens + Double(max(0, nowMs - updatedMs)) * ratePerMs >= capacity
    }
}

/// Token buckets by key (a tenant, a tenant's client IP), forgetting full ones when it grows.
public struct RateLimiter: Sendable {
    var buckets: [String: TokenBucket] = [:]
    /// How many keys are kept before full buckets are pruned.
    public var pruneAbove: Int

    public init(pruneAbove: Int = 10_000) {
        self.pruneAbove = pruneAbove
    }

    /// Take a token from `key`'s bucket of `perMinute`; nil when allowed, else Retry-After seconds.
    public mutating func take(_ key: String, perMinute: Int, nowMs: Int64) -> Int? {
        if buckets.count > pruneAbove { buckets = buckets.filter { !$0.value.isFull(nowMs) } }
        var bucket = buckets[key] ?? TokenBucket(perMinute: perMinute, nowMs: nowMs)
        if bucket.capacity != Double(max(1, perMinute)) {
            bucket.capacity = Double(max(1, perMinute))
            bucket.tokens = min(bucket.tokens, bucket.capacity)
        }
        let wait = bucket.take(nowMs)
        buckets[key] = bucket
        return wait
    }

    /// Put back a token taken from `key` (the request was refused by another bucket).
    public mutating func giveBack(_ key: String) {
        guard var bucket = buckets[key] else { return }
        bucket.tokens = min(bucket.capacity, bucket.tokens + 1)
        buckets[key] = bucket
    }

    /// How many keys are tracked.
    public var count: Int { buckets.count }
}

/// The two limits of a chat message: per client IP and per tenant.
public struct ChatRateLimits: Sendable, Equatable {
    public var perClientPerMinute: Int
    public var perTenantPerMinute: Int

    public init(perClientPerMinute: Int = 20, perTenantPerMinute: Int = 600) {
        self.perClientPerMinute = perClientPerMinute
        self.perTenantPerMinute = perTenantPerMinute
    }
}

extension RateLimiter {
    /// Admit one message of `tenant` from `client`; throws 429 with Retry-After naming the limit.
    public mutating func admit(tenant: String, client: String, limits: ChatRateLimits, nowMs: Int64)
        throws(WebchatError)
    {
        let clientKey = "ip|" + tenant + "|" + client
        if let wait = take(clientKey, perMinute: limits.perClientPerMinute, nowMs: nowMs) {
            throw WebchatError(
                status: 429, code: .rateLimited, "too many messages from this address; try again in \(wait) s",
                field: "client", retryAfter: wait)
        }
        if let wait = take("tenant|" + tenant, perMinute: limits.perTenantPerMinute, nowMs: nowMs) {
            giveBack(clientKey)
            throw WebchatError(
                status: 429, code: .rateLimited, "this chat is busy; try again in \(wait) s", field: "tenant",
                retryAfter: wait)
        }
    }
}
