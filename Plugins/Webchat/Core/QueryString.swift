/// Reading `a=1&b=x%20y` query strings.
public enum QueryString {
    /// The first value of `name`, percent- and plus-decoded; nil when absent.
    public static func value(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard decode(parts[0]) == name else { continue }
            return parts.count > 1 ? decode(parts[1]) : ""
        }
        return nil
    }

    /// Percent-decoding with `+` as a space; invalid escapes are kept as they are.
    static func decode(_ text: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), i + 2 < bytes.count,
                let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }
}

/// A widget key as it may appear in a page: `sb_widget_` and URL-safe characters.
public enum WidgetKey {
    public static func isWellFormed(_ key: String) -> Bool {
        key.hasPrefix("sb_widget_") && key.count <= 200
            && key.utf8.allSatisfy { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 95 || b == 45
            }
    }
}
