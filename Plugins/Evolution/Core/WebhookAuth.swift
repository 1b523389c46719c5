import SwitchboardSDK

/// Why a webhook was refused with 401.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `apikey_mismatch`, `token_missing`, `token_malformed`, `token_algorithm`, `token_signature`,
    /// `token_expired`, `token_not_yet_valid`.
    public var code: String
    public var reason: String

    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    /// The 401 body: `{"error", "detail"}`.
    public var json: JSONValue { ["error": .string(code), "detail": .string(reason)] }
}

/// HS256 JSON Web Tokens as Evolution signs them for a webhook with a `jwt_key` header:
/// claims `{iat, exp (iat + 600), app: "evolution", action: "webhook"}`, sent as
/// `Authorization: Bearer <token>`.
public enum HS256Token {
    /// Tolerated clock difference, in seconds.
    public static let leeway: Int64 = 60

    /// Verify `token` with `secret` at `now` (Unix seconds); returns its claims.
    public static func verify(_ token: String, secret: String, now: Int64) throws(AuthError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerBytes = Base64.decode(parts[0], url: true),
            let claimsBytes = Base64.decode(parts[1], url: true), let signature = Base64.decode(parts[2], url: true),
            let header = try? JSONValue(parsing: headerBytes), let claims = try? JSONValue(parsing: claimsBytes),
            claims.objectMembers != nil
        else {
            throw AuthError("token_malformed", "the bearer token is not a JSON Web Token")
        }
        guard header["alg"]?.stringValue == "HS256" else {
            throw AuthError("token_algorithm", "the bearer token must be signed with HS256")
        }
        let expected = HMAC.sha256(key: Array(secret.utf8), message: Array((parts[0] + "." + parts[1]).utf8))
        guard constantTimeEquals(expected, signature) else {
            throw AuthError("token_signature", "the bearer token's signature does not match webhook_jwt_secret")
        }
        if let exp = claims["exp"]?.intValue, now > exp + leeway {
            throw AuthError("token_expired", "the bearer token has expired")
        }
        if let nbf = claims["nbf"]?.intValue, now + leeway < nbf {
            throw AuthError("token_not_yet_valid", "the bearer token is not valid yet")
        }
        return claims
    }

    /// Sign `claims` (tests and tools: what Evolution does with its `jwt_key`).
    public static func sign(_ claims: JSONValue, secret: String) -> String {
        let header = Base64.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8), url: true, padding: false)
        let body = Base64.encode(claims.jsonBytes, url: true, padding: false)
        let signature = HMAC.sha256(key: Array(secret.utf8), message: Array((header + "." + body).utf8))
        return header + "." + body + "." + Base64.encode(signature, url: true, padding: false)
    }
}

/// The checks every webhook passes before its body is read for events.
public struct WebhookAuthenticator: Sendable {
    public var apiKey: String
    public var jwtSecret: String

    public init(apiKey: String, jwtSecret: String) {
        self.apiKey = apiKey
        self.jwtSecret = jwtSecret
    }

    public init(_ settings: EvolutionSettings) {
        self.init(apiKey: settings.apiKey, jwtSecret: settings.jwtSecret)
    }

    /// With `webhook_jwt_secret` set, a valid `Authorization: Bearer` token is required.
    public func checkToken(authorization: String?, now: Int64) throws(AuthError) {
        guard !jwtSecret.isEmpty else { return }
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            throw AuthError("token_missing", "an Authorization: Bearer token is required (webhook_jwt_secret is set)")
        }
        let token = String(authorization.dropFirst(7)).trimmingSpaces()
        _ = try HS256Token.verify(token, secret: jwtSecret, now: now)
    }

    /// With `evolution_key` set, an `apikey` field that is present must equal it.
    public func checkAPIKey(_ payloadKey: String?) throws(AuthError) {
        guard !apiKey.isEmpty, let payloadKey, !payloadKey.isEmpty else { return }
        guard constantTimeEquals(Array(payloadKey.utf8), Array(apiKey.utf8)) else {
            throw AuthError("apikey_mismatch", "the payload's apikey does not match evolution_key")
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
