import SwitchboardSDK

/// The widget's look (setting `theme`).
public struct Theme: Sendable, Equatable {
    public enum Position: String, Sendable { case bottomRight = "bottom-right", bottomLeft = "bottom-left" }

    /// `#rgb` or `#rrggbb` (nothing else reaches the widget's CSS).
    public var color: String
    /// nil: the localized default.
    public var title: String?
    public var greeting: String?
    public var position: Position

    public init(
        color: String = "#0a7cff", title: String? = nil, greeting: String? = nil, position: Position = .bottomRight
    ) {
        self.color = color
        self.title = title
        self.greeting = greeting
        self.position = position
    }

    /// Read the setting, refusing a bad value by its field.
    public init(setting: JSONValue?) throws(WebchatError) {
        self.init()
        guard let setting, !setting.isNull else { return }
        if let color = setting["color"]?.stringValue {
            guard Self.isHexColor(color) else { throw .invalid("theme.color", "theme.color must be like #0a7cff") }
            self.color = color.lowercased()
        }
        title = try Self.text(setting["title"], field: "theme.title", max: 80)
        greeting = try Self.text(setting["greeting"], field: "theme.greeting", max: 500)
        if let position = setting["position"]?.stringValue {
            guard let value = Position(rawValue: position) else {
                throw .invalid("theme.position", "theme.position must be bottom-right or bottom-left")
            }
            self.position = value
        }
    }

    static func text(_ value: JSONValue?, field: String, max: Int) throws(WebchatError) -> String? {
        guard let text = value?.stringValue?.trimmedWhitespace, !text.isEmpty else { return nil }
        guard text.count <= max else { throw .invalid(field, "\(field) is longer than \(max) characters") }
        return text
    }

    static func isHexColor(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst()
        return text.hasPrefix("#") && (digits.count == 3 || digits.count == 6)
            && digits.allSatisfy { (48...57).contains($0) || (97...102).contains($0 | 0x20) }
    }

    /// The theme for the widget, defaults filled in for `language`.
    public func json(_ language: WidgetLanguage) -> JSONValue {
        let strings = language.strings
        func string(_ key: String) -> String { strings.first { $0.key == key }?.value ?? "" }
        return [
            "color": .string(color), "title": .string(title ?? string("title")),
            "greeting": .string(greeting ?? string("greeting")), "position": .string(position.rawValue),
        ]
    }
}

/// An instance's settings, checked once at start.
public struct WebchatSettings: Sendable, Equatable {
    public var origins: OriginPolicy
    public var theme: Theme
    public var limits: MessageLimits
    public var rates: ChatRateLimits
    /// Take the client IP from the first `X-Forwarded-For` address (behind a trusted proxy only).
    public var trustForwardedFor: Bool
    /// How long a reply may take before the visitor gets a timeout (the host's pending limit is 30 s).
    public var replyTimeoutMs: Int64

    public init(settings: JSONValue) throws(WebchatError) {
        origins = try OriginPolicy(setting: settings["allowed_origins"])
        theme = try Theme(setting: settings["theme"])
        limits = MessageLimits(maxMessageBytes: Int(settings["max_message_bytes"]?.intValue ?? 4000))
        rates = ChatRateLimits(
            perClientPerMinute: Int(settings["rate_limit_per_minute"]?.intValue ?? 20),
            perTenantPerMinute: Int(settings["tenant_rate_limit_per_minute"]?.intValue ?? 600))
        trustForwardedFor = settings["trust_forwarded_for"]?.boolValue ?? false
        replyTimeoutMs = 25_000
    }

    /// The visitor's address: the peer's, or the first forwarded one when trusted.
    public func clientAddress(remote: String, forwardedFor: String?) -> String {
        guard trustForwardedFor, let forwarded = forwardedFor?.split(separator: ",").first else { return remote }
        let first = String(forwarded).trimmedWhitespace
        return first.isEmpty ? remote : first
    }
}
