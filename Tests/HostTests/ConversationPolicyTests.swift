import Testing

@testable import SwitchboardHost

/// The pure policies behind the workers: retry backoff and the per-tenant agent budget.
@Suite("Conversation policies")
struct ConversationPolicyTests {
    @Test("backoff doubles from the base, with jitter between half and all of it, up to the cap")
    func backoff() {
        let backoff = Backoff(base: 1000, cap: 60_000)
        #expect(backoff.delay(afterAttempt: 0, random: 0) == 500)
        #expect(backoff.delay(afterAttempt: 0, random: 1) == 1000)
        #expect(backoff.delay(afterAttempt: 3, random: 0) == 4000)
        #expect(backoff.delay(afterAttempt: 3, random: 1) == 8000)
        #expect(backoff.delay(afterAttempt: 10, random: 1) == 60_000, "capped")
        #expect(backoff.delay(afterAttempt: 1_000, random: 0.5) == 45_000, "no overflow for huge attempts")
        let samples = (0..<100).map { _ in backoff.delay(afterAttempt: 2, random: Double.random(in: 0...1)) }
        #expect(samples.allSatisfy { (2000...4000).contains($0) })
    }

    @Test("the agent budget lets a burst through, then makes the next call wait, per tenant")
    func rateLimiter() {
        var limiter = RateLimiter(perMinute: 3)
        #expect((0..<3).map { _ in limiter.acquire("acme", now: 0) } == [0, 0, 0])
        let wait = limiter.acquire("acme", now: 0)
        #expect(wait == 20_000, "one token every 20 s at 3 a minute")
        #expect(limiter.acquire("globex", now: 0) == 0, "another tenant has its own budget")
        #expect(limiter.acquire("acme", now: 10_000) == 10_000, "half a token refilled")
        #expect(limiter.acquire("acme", now: 20_000) == 0)
        var unlimited = RateLimiter(perMinute: 0)
        #expect((0..<1000).allSatisfy { _ in unlimited.acquire("acme", now: 0) == 0 })
    }
}
