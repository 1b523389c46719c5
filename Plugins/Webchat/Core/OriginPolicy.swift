import SwitchboardSDK

/// Which web origins may call the widget API (setting `allowed_origins`; `"*"` allows any).
/// The API's own origin (the demo page) and requests without an `Origin` (not from a browser
/// page) are always let through.
public struct OriginPolicy: Sendable, Equatable {
    public var allowAny: Bool
    /// Normalized origins, e.g. `https://shop.example`.
    public var origins: Set<String>

    /// What the policy says about one request.
    public enum Decision: Sendable, Equatable {
        /// No `Origin` header: not a cross-origin browser call.
        case noOrigin
        /// The page is served by this host.
        case sameOrigin(String)
        /// An allowed other origin: answer with CORS headers for it.
        case allowed(String)
        /// Not allowed: 403.
        case refused(String)

        public var isRefused: Bool { if case .refused = self { true } else { false } }
    }

    public init(allowAny: Bool = false, origins: Set<String> = []) {
        self.allowAny = allowAny
        self.origins = origins
    }

    /// Read the setting; an entry that is not an origin is refused with its index.
    public init(setting: JSONValue?) throws(WebchatError) {
        self.init()
        guard let setting, !setting.isNull else { return }
        guard let items = setting.arrayValue else {
            throw .invalid("allowed_origins", "allowed_origins must be a list of origins")
        }
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw .invalid("allowed_origins[\(index)]", "allowed_origins[\(index)] must be a string")
            }
            if text == "*" {
                allowAny = true
            } else if let origin = Self.normalize(text) {
                origins.insert(origin)
            } else {
                throw .invalid(
                    "allowed_origins[\(index)]", "allowed_origins[\(index)] is not an origin like https://shop.example")
            }
        }
    }

    /// Decide for a request's `Origin` and `Host` headers.
    public func decide(origin: String?, host: String?) -> Decision {
        guard let origin, !origin.isEmpty else { return .noOrigin }
        guard let normalized = Self.normalize(origin) else { return .refused(origin) }
        if let host, Self.authority(of: normalized) == host.lowercased() { return .sameOrigin(normalized) }
        if allowAny || origins.contains(normalized) { return .allowed(normalized) }
        return .refused(normalized)
    }

    /// The CORS headers of an answer to an allowed request (none for the others).
    public static func corsHeaders(_ decision: Decision) -> [HTTPHeader] {
        switch decision {
        case .allowed(let origin), .sameOrigin(let origin):
            return [
                HTTPHeader("Access-Control-Allow-Origin", origin),
                HTTPHeader("Access-Control-Expose-Headers", "Retry-After"), HTTPHeader("Vary", "Origin"),
            ]
        case .noOrigin, .refused:
            return [HTTPHeader("Vary", "Origin")]
        }
    }

    /// The extra headers of a preflight (`OPTIONS`) answer.
    public static let preflightHeaders = [
        HTTPHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
        HTTPHeader("Access-Control-Allow-Headers", "Content-Type, X-Switchboard-Key"),
        HTTPHeader("Access-Control-Max-Age", "600"),
    ]

    /// `scheme://host[:port]` in lower case without a default port or trailing slash; nil when
    /// `text` is not an http(s) origin.
    public static func normalize(_ text: String) -> String? {
        var value = text.lowercased()
        if value.hasSuffix("/") { value.removeLast() }
        let scheme: String
        if value.hasPrefix("https://") {
            scheme = "https"
        } else if value.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        var authority = String(value.dropFirst(scheme.count + 3))
        guard !authority.isEmpty, authority.allSatisfy(Self.isAuthorityCharacter) else { return nil }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) {
                authority = String(parts[0])
            }
        }
        return scheme + "://" + authority
    }

    static func isAuthorityCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == ":" || c == "_")
    }

    /// The `host[:port]` part of a normalized origin.
    static func authority(of origin: String) -> Substring {
        origin[origin.index(origin.firstIndex(of: ":")!, offsetBy: 3)...]
    }
}
