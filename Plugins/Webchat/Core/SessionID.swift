/// A visitor's chat session: `wcs_` and 32 lowercase hex digits (128 random bits). It is the
/// contact's address on the channel and the bearer secret of its history.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "wcs_"
    static let hexDigits = 32

    public let rawValue: String

    /// Accept only the exact format the server issues.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let digits = text.utf8.dropFirst(Self.prefix.utf8.count)
        guard digits.count == Self.hexDigits,
            digits.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.rawValue = text
    }

    /// A new session id from 128 bits of `generator`.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> SessionID {
        let hex = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        for _ in 0..<2 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                text.append(hex[Int(word & 0xF)])
                word >>= 4
            }
        }
        return SessionID(String(decoding: text, as: UTF8.self))!
    }

    /// A new session id from the system's secure random source.
    public static func generate() -> SessionID {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public var description: String { rawValue }
}
