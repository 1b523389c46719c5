import SwitchboardSDK
import Testing

@testable import WebchatCore

/// Which pages may call the widget API, and the CORS headers they get.
@Suite("Webchat origin policy")
struct OriginPolicyTests {
    @Test func settingIsReadAndNormalized() throws {
        let policy = try OriginPolicy(setting: [
            "https://Shop.Example/", "http://localhost:8080", "https://a.example:443",
        ])
        #expect(policy.origins == ["https://shop.example", "http://localhost:8080", "https://a.example"])
        #expect(!policy.allowAny)
        #expect(try OriginPolicy(setting: ["*"]).allowAny)
        #expect(try OriginPolicy(setting: nil) == OriginPolicy())
    }

    @Test func badEntriesNameTheirIndex() {
        #expect(
            throws: WebchatError.invalid(
                "allowed_origins[1]", "allowed_origins[1] is not an origin like https://shop.example")
        ) {
            try OriginPolicy(setting: ["https://ok.example", "shop.example"])
        }
        for bad: JSONValue in [
            "https://x.example/path", "ftp://x.example", "https://", "https://x:99999", "https://a b",
        ] {
            #expect((try? OriginPolicy(setting: [bad])) == nil, "\(bad)")
        }
        #expect((try? OriginPolicy(setting: "https://x.example")) == nil)
        #expect((try? OriginPolicy(setting: [1])) == nil)
    }

    @Test func decisions() throws {
        let policy = try OriginPolicy(setting: ["https://shop.example"])
        #expect(policy.decide(origin: nil, host: "chat.example") == .noOrigin)
        #expect(policy.decide(origin: "https://SHOP.example", host: "chat.example") == .allowed("https://shop.example"))
        #expect(policy.decide(origin: "https://evil.example", host: "chat.example") == .refused("https://evil.example"))
        #expect(policy.decide(origin: "null", host: "chat.example").isRefused)
        #expect(
            policy.decide(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080")
                == .sameOrigin("http://127.0.0.1:8080"))
        #expect(
            policy.decide(origin: "http://127.0.0.1:9090", host: "127.0.0.1:8080").isRefused,
            "another port is another origin")
        #expect(
            try OriginPolicy(setting: ["*"]).decide(origin: "https://any.example", host: nil)
                == .allowed("https://any.example"))
    }

    @Test func corsHeaders() {
        #expect(
            OriginPolicy.corsHeaders(.allowed("https://shop.example")).first(named: "access-control-allow-origin")
                == "https://shop.example")
        #expect(
            OriginPolicy.corsHeaders(.refused("https://evil.example")).first(named: "access-control-allow-origin")
                == nil)
        #expect(OriginPolicy.corsHeaders(.noOrigin).first(named: "vary") == "Origin")
        #expect(OriginPolicy.preflightHeaders.first(named: "access-control-allow-methods")?.contains("DELETE") == true)
    }
}

/// Token buckets per client IP and per tenant.
@Suite("Webchat rate limits")
struct RateLimitTests {
    @Test func bucketRefillsAtItsRate() {
        var bucket = TokenBucket(perMinute: 2, nowMs: 0)
        #expect(bucket.take(0) == nil && bucket.take(0) == nil)
        #expect(bucket.take(0) == 30, "one token every 30 s")
        #expect(bucket.take(20_000) == 10)
        #expect(bucket.take(30_000) == nil)
        #expect(bucket.take(30_000) == 30)
    }

    @Test func clientAndTenantLimits() throws {
        var limiter = RateLimiter()
        let limits = ChatRateLimits(perClientPerMinute: 2, perTenantPerMinute: 3)
        try limiter.admit(tenant: "acme", client: "1.1.1.1", limits: limits, nowMs: 0)
        try limiter.admit(tenant: "acme", client: "1.1.1.1", limits: limits, nowMs: 0)
        #expect(throws: WebchatError.self) {
            try limiter.admit(tenant: "acme", client: "1.1.1.1", limits: limits, nowMs: 0)
        }
        do {
            try limiter.admit(tenant: "acme", client: "1.1.1.1", limits: limits, nowMs: 0)
        } catch {
            #expect(error.status == 429 && error.field == "client" && error.retryAfter == 30)
        }
        try limiter.admit(tenant: "acme", client: "2.2.2.2", limits: limits, nowMs: 0)
        do {
            try limiter.admit(tenant: "acme", client: "3.3.3.3", limits: limits, nowMs: 0)
            Issue.record("the tenant's bucket is empty")
        } catch {
            #expect(error.field == "tenant" && error.retryAfter == 20)
        }
        // Another tenant has buckets of its own; the refused client got its token back.
        try limiter.admit(tenant: "globex", client: "3.3.3.3", limits: limits, nowMs: 0)
        try limiter.admit(tenant: "acme", client: "3.3.3.3", limits: limits, nowMs: 20_000)
    }

    @Test func fullBucketsAreForgotten() throws {
        var limiter = RateLimiter(pruneAbove: 10)
        for n in 0..<20 { _ = limiter.take("k\(n)", perMinute: 60, nowMs: 0) }
        #expect(limiter.count == 20, "buckets still in use are kept")
        _ = limiter.take("late", perMinute: 60, nowMs: 120_000)
        #expect(limiter.count == 1, "every earlier bucket had refilled")
    }

    @Test func forwardedForOnlyWhenTrusted() throws {
        var settings = try WebchatSettings(settings: .emptyObject)
        #expect(settings.clientAddress(remote: "10.0.0.1", forwardedFor: "1.2.3.4") == "10.0.0.1")
        settings.trustForwardedFor = true
        #expect(settings.clientAddress(remote: "10.0.0.1", forwardedFor: " 1.2.3.4, 10.0.0.9") == "1.2.3.4")
        #expect(settings.clientAddress(remote: "10.0.0.1", forwardedFor: nil) == "10.0.0.1")
    }
}
