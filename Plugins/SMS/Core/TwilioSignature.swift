import SwitchboardSDK

/// Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
/// sorted by name)).
public enum TwilioSignature {
    /// The signature Twilio computes for a request to `url` with form `params`.
    public static func compute(url: String, params: [(name: String, value: String)], authToken: String) -> String {
        var data = url
        let sorted = params.sorted { ($0.name.utf8.lexicographicallyPrecedes($1.name.utf8)) || ($0.name == $1.name && $0.value.utf8.lexicographicallyPrecedes($1.value.utf8)) }
        for (name, value) in sorted { data += name + value }
        return Base64.encode(HMAC.sha1(key: Array(authToken.utf8), message: Array(data.utf8)))
    }

    /// True when `signature` matches (constant-time comparison); an empty token or signature never matches.
    public static func isValid(
        signature: String?, url: String, params: [(name: String, value: String)], authToken: String
    ) -> Bool {
        guard let signature, !signature.isEmpty, !authToken.isEmpty else { return false }
        let expected = compute(url: url, params: params, authToken: authToken)
        return constantTimeEquals(Array(expected.utf8), Array(signature.utf8))
    }

    /// The URL Twilio signed: the configured public base URL, the request path and its query.
    public static func signedURL(publicBase: String, path: String, query: String) -> String {
        var base = publicBase
        while base.hasSuffix("/") { base.removeLast() }
        return base + path + (query.isEmpty ? "" : "?" + query)
    }
}
