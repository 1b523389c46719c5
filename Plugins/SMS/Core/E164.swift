/// E.164 phone numbers: "+", a non-zero digit, then 1...14 more digits (at most 15 digits).
public enum E164 {
    /// True when `text` is a valid E.164 number.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= 16, bytes[0] == UInt8(ascii: "+") else { return false }
        guard bytes[1] >= UInt8(ascii: "1"), bytes[1] <= UInt8(ascii: "9") else { return false }
        return bytes.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `text` when valid, else a field error naming `field`.
    public static func validated(_ text: String?, field: String) throws(FieldError) -> String {
        guard let text, !text.isEmpty else { throw FieldError(field: field, "is required") }
        guard isValid(text) else { throw FieldError(field: field, "must be an E.164 number such as +15551234567") }
        return text
    }
}
