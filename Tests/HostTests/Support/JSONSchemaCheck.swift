import Foundation

/// A small JSON Schema (2020-12 subset) validator for the tests: what the OpenAPI document
/// uses and no more. `$ref` (local JSON pointers such as `#/components/schemas/Tenant`), `type`
/// (a name or an array of names, `null` included), `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `enum`, `const`, `oneOf`, `anyOf`,
/// `minimum`, `maximum`, `minLength`, `maxLength` and `pattern`. Other keywords (`description`,
/// `format`, `default`, …) are ignored.
///
/// Values are what `JSONSerialization` makes: `[String: Any]`, `[Any]`, `String`, `NSNumber`
/// (booleans included), `NSNull`.
struct JSONSchemaCheck {
    /// The document `$ref`s point into.
    let document: [String: Any]

    /// A violation: where in the value (`$.items[0].slug`) and what is wrong.
    struct Violation: Error, CustomStringConvertible, Equatable {
        var path: String
        var message: String
        var description: String { "\(path): \(message)" }
    }

    /// The first violation of `schema` by `value`, or nil when the value is valid.
    func firstViolation(of schema: Any, by value: Any, at path: String = "$") -> Violation? {
        do {
            try check(value, against: schema, at: path)
            return nil
        } catch {
            return error
        }
    }

    /// The schema a local `$ref` names.
    func resolve(_ reference: String) throws(Violation) -> Any {
        guard reference.hasPrefix("#/") else { throw Violation(path: reference, message: "only local $refs") }
        var node: Any = document
        for raw in reference.dropFirst(2).split(separator: "/") {
            let key = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = (node as? [String: Any])?[key] else {
                throw Violation(path: reference, message: "$ref does not resolve")
            }
            node = next
        }
        return node
    }

    private func check(_ value: Any, against schemaValue: Any, at path: String) throws(Violation) {
        if let allowAll = schemaValue as? Bool {
            if !allowAll { throw Violation(path: path, message: "no value is allowed here") }
            return
        }
        guard let schema = schemaValue as? [String: Any] else {
            throw Violation(path: path, message: "schema is not an object")
        }
        if let reference = schema["$ref"] as? String {
            try check(value, against: try resolve(reference), at: path)
        }
        try checkType(value, schema, at: path)
        try checkValue(value, schema, at: path)
        if let object = value as? [String: Any] { try checkObject(object, schema, at: path) }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, item) in array.enumerated() { try check(item, against: items, at: "\(path)[\(index)]") }
        }
        try checkCombinations(value, schema, at: path)
    }

    private func checkType(_ value: Any, _ schema: [String: Any], at path: String) throws(Violation) {
        guard let declared = schema["type"] else { return }
        let names = (declared as? [String]) ?? [(declared as? String) ?? ""]
        let actual = Self.typeName(value)
        let matches = names.contains { $0 == actual || ($0 == "number" && actual == "integer") }
        if !matches {
            throw Violation(path: path, message: "is \(actual), expected \(names.joined(separator: " or "))")
        }
    }

    private func checkValue(_ value: Any, _ schema: [String: Any], at path: String) throws(Violation) {
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) {
            throw Violation(path: path, message: "\(Self.text(value)) is not one of \(Self.text(allowed))")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            throw Violation(path: path, message: "\(Self.text(value)) is not \(Self.text(constant))")
        }
        if let number = value as? NSNumber, !Self.isBool(number) {
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number.doubleValue < minimum {
                throw Violation(path: path, message: "\(number) is less than \(minimum)")
            }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number.doubleValue > maximum {
                throw Violation(path: path, message: "\(number) is more than \(maximum)")
            }
        }
        if let string = value as? String {
            let length = string.unicodeScalars.count
            if let minimum = schema["minLength"] as? Int, length < minimum {
                throw Violation(path: path, message: "is shorter than \(minimum) characters")
            }
            if let maximum = schema["maxLength"] as? Int, length > maximum {
                throw Violation(path: path, message: "is longer than \(maximum) characters")
            }
            if let pattern = schema["pattern"] as? String,
                string.range(of: pattern, options: .regularExpression) == nil
            {
                throw Violation(path: path, message: "\(Self.text(string)) does not match \(pattern)")
            }
        }
    }

    private func checkObject(_ object: [String: Any], _ schema: [String: Any], at path: String) throws(Violation) {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for name in (schema["required"] as? [String] ?? []) where object[name] == nil {
            throw Violation(path: path, message: "required member \(name) is missing")
        }
        for name in object.keys.sorted() {
            let member = "\(path).\(name)"
            if let property = properties[name] {
                try check(object[name]!, against: property, at: member)
            } else if let additional = schema["additionalProperties"] {
                if (additional as? Bool) == false {
                    throw Violation(path: member, message: "is not a documented member")
                }
                try check(object[name]!, against: additional, at: member)
            }
        }
    }

    private func checkCombinations(_ value: Any, _ schema: [String: Any], at path: String) throws(Violation) {
        if let choices = schema["oneOf"] as? [Any] {
            let failures = choices.map { firstViolation(of: $0, by: value, at: path) }
            let passed = failures.filter { $0 == nil }.count
            if passed == 0 {
                // The choice that got furthest tells most.
                throw failures.compactMap { $0 }.max { $0.path.count < $1.path.count }
                    ?? Violation(path: path, message: "matches none of oneOf")
            }
            if passed > 1 { throw Violation(path: path, message: "matches \(passed) schemas of oneOf, not one") }
        }
        if let choices = schema["anyOf"] as? [Any] {
            let failures = choices.map { firstViolation(of: $0, by: value, at: path) }
            if !failures.contains(where: { $0 == nil }) {
                throw failures.compactMap { $0 }.max { $0.path.count < $1.path.count }
                    ?? Violation(path: path, message: "matches none of anyOf")
            }
        }
    }

    // MARK: - JSON values

    /// The JSON type of a value: object, array, string, integer, number, boolean or null.
    static func typeName(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "string"
        case is [String: Any]: return "object"
        case is [Any]: return "array"
        case let number as NSNumber:
            if isBool(number) { return "boolean" }
            let double = number.doubleValue
            return double.rounded() == double && abs(double) < 1e15 ? "integer" : "number"
        default: return "unknown"
        }
    }

    /// Whether an `NSNumber` from `JSONSerialization` holds `true` or `false`.
    static func isBool(_ number: NSNumber) -> Bool {
        // Booleans are their own NSNumber subclass (`__NSCFBoolean`); `is Bool` holds for 0 and 1 too.
        type(of: number) == type(of: NSNumber(value: true))
    }

    /// JSON equality (numbers by value, objects by members, arrays in order).
    static func equal(_ lhs: Any, _ rhs: Any) -> Bool {
        switch (lhs, rhs) {
        case (is NSNull, is NSNull): return true
        case (let left as String, let right as String): return left == right
        case (let left as NSNumber, let right as NSNumber):
            return isBool(left) == isBool(right) && left.doubleValue == right.doubleValue
        case (let left as [Any], let right as [Any]):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (let left as [String: Any], let right as [String: Any]):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default: return false
        }
    }

    private static func text(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])
        else { return "\(value)" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
