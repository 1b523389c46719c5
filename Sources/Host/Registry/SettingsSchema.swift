import Foundation

/// Checks instance settings against the JSON Schema a plugin declares in its descriptor.
///
/// Pure: no I/O. Supports the subset plugins use for settings: `type` (object, string, integer,
/// number, boolean, array, or a list of them), `properties`, `required`, `additionalProperties`
/// (false), `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `items`, `format: "uri"`.
/// Unknown keywords are ignored, as JSON Schema prescribes.
struct SettingsSchema: Sendable {
    /// A setting that does not fit, with the path of the field (e.g. `settings.agent_timeout`).
    struct Violation: Error, Equatable, CustomStringConvertible {
        var field: String
        var reason: String
        var description: String { "\(field): \(reason)" }
    }

    /// The schema as JSON text (the loader checked it is an object); parsed per validation,
    /// which only happens on configuration writes.
    let json: String

    init(json: String) {
        self.json = json
    }

    /// The first violation in `settingsJSON`, or nil when it fits.
    func validate(settingsJSON: String) -> Violation? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(settingsJSON.utf8)) else {
            return Violation(field: "settings", reason: "not valid JSON")
        }
        let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return Self.check(value, against: root, at: "settings")
    }

    private static func check(_ value: Any, against schema: [String: Any], at path: String) -> Violation? {
        if let types = typeList(schema["type"]), !types.contains(where: { matches(value, type: $0) }) {
            return Violation(field: path, reason: "must be \(types.joined(separator: " or ")), got \(describe(value))")
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { equal($0, value) }) {
            let list = allowed.map { describeLiteral($0) }.joined(separator: ", ")
            return Violation(field: path, reason: "must be one of \(list)")
        }
        if let number = number(value) {
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number < minimum {
                return Violation(field: path, reason: "must be at least \(format(minimum))")
            }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number > maximum {
                return Violation(field: path, reason: "must be at most \(format(maximum))")
            }
        }
        if let string = value as? String {
            let length = string.count
            if let minLength = schema["minLength"] as? Int, length < minLength {
                return Violation(field: path, reason: "must be at least \(minLength) characters")
            }
            if let maxLength = schema["maxLength"] as? Int, length > maxLength {
                return Violation(field: path, reason: "must be at most \(maxLength) characters")
            }
            if schema["format"] as? String == "uri", !isURI(string) {
                return Violation(field: path, reason: "must be an absolute URL")
            }
        }
        if let object = value as? [String: Any] {
            return checkObject(object, against: schema, at: path)
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() {
                if let violation = check(element, against: items, at: "\(path)[\(index)]") { return violation }
            }
        }
        return nil
    }

    private static func checkObject(_ object: [String: Any], against schema: [String: Any], at path: String)
        -> Violation?
    {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for name in schema["required"] as? [String] ?? [] where object[name] == nil {
            return Violation(field: "\(path).\(name)", reason: "is required")
        }
        for name in object.keys.sorted() {
            let child = object[name]!
            if let property = properties[name] as? [String: Any] {
                if let violation = check(child, against: property, at: "\(path).\(name)") { return violation }
            } else if (schema["additionalProperties"] as? Bool) == false {
                let known = properties.keys.sorted().joined(separator: ", ")
                return Violation(field: "\(path).\(name)", reason: "unknown setting (known: \(known))")
            }
        }
        return nil
    }

    // MARK: - Helpers

    private static func typeList(_ value: Any?) -> [String]? {
        if let single = value as? String { return [single] }
        return value as? [String]
    }

    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c" || type(of: value) == Bool.self
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return isBool(value)
        case "null": return value is NSNull
        case "integer":
            guard !isBool(value), let number = number(value) else { return false }
            return number.rounded() == number
        case "number": return !isBool(value) && number(value) != nil
        default: return true
        }
    }

    private static func number(_ value: Any) -> Double? {
        guard !(value is String), !isBool(value), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    private static func equal(_ lhs: Any, _ rhs: Any) -> Bool {
        if let left = lhs as? String, let right = rhs as? String { return left == right }
        if let left = number(lhs), let right = number(rhs) { return left == right }
        if isBool(lhs) && isBool(rhs) { return (lhs as? Bool) == (rhs as? Bool) }
        return lhs is NSNull && rhs is NSNull
    }

    private static func isURI(_ string: String) -> Bool {
        guard let url = URL(string: string), let scheme = url.scheme, !scheme.isEmpty, url.host != nil else {
            return false
        }
        return true
    }

    private static func describe(_ value: Any) -> String {
        if value is [String: Any] { return "an object" }
        if value is [Any] { return "an array" }
        if value is String { return "a string" }
        if isBool(value) { return "a boolean" }
        if value is NSNull { return "null" }
        return "a number"
    }

    private static func describeLiteral(_ value: Any) -> String {
        if let string = value as? String { return "\"\(string)\"" }
        return "\(value)"
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number ? String(Int64(number)) : String(number)
    }
}
