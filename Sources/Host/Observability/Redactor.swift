/// Redacts what must not reach logs: secrets always, message bodies and phone numbers by default.
///
/// Pure logic with no I/O, so tests drive it directly.
public struct Redactor: Sendable {
    /// Metadata keys whose values are secrets: never logged.
    static let secretKeys: Set<String> = [
        "authorization", "token", "api_key", "apikey", "secret", "password", "key", "admin_token",
        "evolution_key", "agent_api_key", "auth_token", "webhook_jwt_secret", "master_key",
    ]
    /// Metadata keys whose values are message content: redacted unless disabled.
    static let contentKeys: Set<String> = ["body", "text", "message", "message_body", "content", "caption"]

    /// When false, message bodies and phone numbers are logged as they are (secrets never are).
    public var redactContent: Bool

    public init(redactContent: Bool = true) {
        self.redactContent = redactContent
    }

    /// The value to log for a metadata key.
    public func value(forKey key: String, _ value: String) -> String {
        let lowered = key.lowercased()
        if Self.secretKeys.contains(lowered) || lowered.hasSuffix("_secret") || lowered.hasSuffix("_token")
            || lowered.hasSuffix("_key")
        {
            return "[secret]"
        }
        if redactContent && Self.contentKeys.contains(lowered) { return "[redacted \(value.utf8.count) bytes]" }
        return scrub(value)
    }

    /// Scrub free text: bearer tokens always; phone numbers (7+ digits, optional +, spaces,
    /// dashes, dots or parentheses between) when content redaction is on.
    public func scrub(_ text: String) -> String {
        var output = Self.maskBearer(text)
        if redactContent { output = Self.maskPhoneNumbers(output) }
        return output
    }

    static func maskBearer(_ text: String) -> String {
        guard let range = text.range(of: "Bearer ", options: .caseInsensitive) else { return text }
        var end = range.upperBound
        while end < text.endIndex, !text[end].isWhitespace, text[end] != "\"" { end = text.index(after: end) }
        return String(text[..<range.upperBound]) + "[secret]" + maskBearer(String(text[end...]))
    }

    static func maskPhoneNumbers(_ text: String) -> String {
        var result = ""
        var run = ""  // a candidate number being read
        var digits = 0
        func flush() {
            if digits >= 7 {
                let trailing = run.reversed().prefix { !$0.isNumber }
                result += "[phone]" + String(trailing.reversed())
            } else {
                result += run
            }
            run = ""
            digits = 0
        }
        for character in text {
            if character.isASCII && character.isNumber {
                run.append(character)
                digits += 1
            } else if character == "+" && run.isEmpty {
                run.append(character)
            } else if !run.isEmpty && " -.()".contains(character) && digits > 0 {
                run.append(character)
            } else {
                flush()
                if character == "+" { run.append(character) } else { result.append(character) }
            }
        }
        flush()
        return result
    }
}
