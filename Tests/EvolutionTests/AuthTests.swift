import SwitchboardSDK
import Testing

@testable import EvolutionCore

/// Evolution's webhook JWT (`jwt_key` header: HS256, 10 minutes) and the apikey check.
@Suite("Evolution webhook auth")
struct AuthTests {
    static let secret = "jwt-5ecret-for-webhooks"
    static let now: Int64 = 1_764_674_000
    /// The claims Evolution's webhook controller signs.
    static let claims: JSONValue = ["iat": .integer(now), "exp": .integer(now + 600), "app": "evolution", "action": "webhook"]

    @Test("a token signed like Evolution's is accepted; the claims come back")
    func valid() throws {
        let token = HS256Token.sign(Self.claims, secret: Self.secret)
        #expect(token.split(separator: ".").count == 3 && !token.contains("="))
        let claims = try HS256Token.verify(token, secret: Self.secret, now: Self.now + 30)
        #expect(claims["app"]?.stringValue == "evolution")
        try WebhookAuthenticator(apiKey: "", jwtSecret: Self.secret).checkToken(authorization: "Bearer " + token, now: Self.now)
    }

    @Test("a known HS256 vector (RFC 7515 style) verifies")
    func vector() throws {
        // jwt.io's HS256 example, secret "your-256-bit-secret".
        let token =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        let claims = try HS256Token.verify(token, secret: "your-256-bit-secret", now: 1_516_239_022)
        #expect(claims["name"]?.stringValue == "John Doe")
    }

    @Test("wrong secret, expiry, other algorithms and garbage are refused with a code")
    func refused() {
        let good = HS256Token.sign(Self.claims, secret: Self.secret)
        let unsigned = Base64.encode(Array(#"{"alg":"none"}"#.utf8), url: true, padding: false) + "."
            + Base64.encode(Self.claims.jsonBytes, url: true, padding: false) + "."
        let cases: [(String, Int64, String)] = [
            (HS256Token.sign(Self.claims, secret: "other"), Self.now, "token_signature"),
            (good, Self.now + 600 + HS256Token.leeway + 1, "token_expired"),
            (unsigned, Self.now, "token_algorithm"),
            ("not.a.jwt", Self.now, "token_malformed"),
            ("abc", Self.now, "token_malformed"),
            (good + "x", Self.now, "token_signature"),
        ]
        for (token, now, code) in cases {
            do {
                _ = try HS256Token.verify(token, secret: Self.secret, now: now)
                Issue.record("accepted \(code)")
            } catch {
                #expect(error.code == code)
            }
        }
    }

    @Test("with a secret, a missing or non-Bearer Authorization is refused; without one, nothing is checked")
    func header() throws {
        let auth = WebhookAuthenticator(apiKey: "", jwtSecret: Self.secret)
        for header in [nil, "", "Basic abc", "Bearer "] as [String?] {
            #expect(throws: AuthError.self) { try auth.checkToken(authorization: header, now: Self.now) }
        }
        try WebhookAuthenticator(apiKey: "", jwtSecret: "").checkToken(authorization: nil, now: Self.now)
    }

    @Test("apikey: a present, different key is refused; absent or matching passes")
    func apiKey() throws {
        let auth = WebhookAuthenticator(apiKey: EvolutionFixtures.apiKey, jwtSecret: "")
        try auth.checkAPIKey(EvolutionFixtures.apiKey)
        try auth.checkAPIKey(nil)
        do {
            try auth.checkAPIKey("WRONG")
            Issue.record("accepted a wrong apikey")
        } catch {
            #expect(error.code == "apikey_mismatch" && !error.reason.contains("WRONG"))
        }
        try WebhookAuthenticator(apiKey: "", jwtSecret: "").checkAPIKey("anything")
    }
}
