import SwitchboardSDK

/// Reading fields of a JSON request body with errors that name the field.
public enum Fields {
    /// A non-empty string member.
    public static func requiredText(_ body: JSONValue, _ name: String) throws(FieldError) -> String {
        guard let value = body[name], !value.isNull else { throw FieldError(field: name, "is required") }
        guard let text = value.stringValue?.trimmed, !text.isEmpty else { throw FieldError(field: name, "must be a non-empty string") }
        return text
    }

    /// An optional string member.
    public static func optionalText(_ body: JSONValue, _ name: String) throws(FieldError) -> String? {
        guard let value = body[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw FieldError(field: name, "must be a string") }
        return text.trimmed.isEmpty ? nil : text.trimmed
    }

    /// A positive integer id member.
    public static func requiredID(_ body: JSONValue, _ name: String) throws(FieldError) -> Int64 {
        guard let value = body[name], !value.isNull else { throw FieldError(field: name, "is required") }
        guard let id = value.intValue, id > 0 else { throw FieldError(field: name, "must be a positive integer id") }
        return id
    }

    /// A time: an RFC 3339 string or Unix milliseconds.
    public static func requiredTime(_ body: JSONValue, _ name: String) throws(FieldError) -> Millis {
        guard let value = body[name], !value.isNull else { throw FieldError(field: name, "is required") }
        if case .integer(let ms) = value { return ms }
        guard let text = value.stringValue, let ms = Timestamp.parse(text) else {
            throw FieldError(field: name, "must be an RFC 3339 time such as 2026-12-02T15:00:00Z, or Unix milliseconds")
        }
        return ms
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }
}

/// Validated bodies of the tenant API's create requests.
public enum Requests {
    public struct NewNumber: Sendable, Equatable {
        public var e164: String
        public var role: NumberRole
    }

    public struct NewPerson: Sendable, Equatable {
        public var name: String
        public var phone: String
    }

    public struct NewBooking: Sendable, Equatable {
        public var clientID: Int64
        public var sitterID: Int64
        public var start: Millis
        public var end: Millis
    }

    public static func number(_ body: JSONValue) throws(FieldError) -> NewNumber {
        let e164 = try E164.validated(body["e164"]?.stringValue, field: "e164")
        let roleText = try Fields.requiredText(body, "role")
        guard let role = NumberRole(rawValue: roleText) else { throw FieldError(field: "role", "must be front_desk, pool or sitter") }
        return NewNumber(e164: e164, role: role)
    }

    /// A client (`phone`) or a sitter (`personalPhone`).
    public static func person(_ body: JSONValue, phoneField: String) throws(FieldError) -> NewPerson {
        let name = try Fields.requiredText(body, "name")
        return NewPerson(name: name, phone: try E164.validated(body[phoneField]?.stringValue, field: phoneField))
    }

    public static func booking(_ body: JSONValue) throws(FieldError) -> NewBooking {
        let client = try Fields.requiredID(body, "clientId")
        let sitter = try Fields.requiredID(body, "sitterId")
        let start = try Fields.requiredTime(body, "startsAt")
        let end = try Fields.requiredTime(body, "endsAt")
        guard end > start else { throw FieldError(field: "endsAt", "must be after startsAt") }
        return NewBooking(clientID: client, sitterID: sitter, start: start, end: end)
    }
}
