import Foundation
import Hummingbird

/// A JSON object request body with typed accessors whose errors name the field (422).
struct JSONBody {
    let object: [String: Any]

    /// - Parameter allowEmpty: an empty body reads as `{}` (for actions whose fields are all optional).
    init(_ request: Request, limit: Int = 1 << 20, allowEmpty: Bool = false) async throws {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw Problem(status: 413, title: "Content Too Large", detail: "body larger than \(limit) bytes")
        }
        if allowEmpty && buffer.readableBytes == 0 {
            object = [:]
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
        else {
            throw Problem.badRequest("body must be a JSON object", field: "body")
        }
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// Refuse fields the endpoint does not know (422 naming the first, in sorted order).
    func rejectUnknown(_ allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.unprocessable(
                "unknown field \(unknown) (known: \(allowed.sorted().joined(separator: ", ")))", field: unknown)
        }
    }

    func string(_ key: String) throws -> String {
        guard let value = object[key] else { throw Problem.unprocessable("\(key) is required", field: key) }
        guard let string = value as? String, !string.isEmpty else {
            throw Problem.unprocessable("\(key) must be a non-empty string", field: key)
        }
        return string
    }

    func optionalString(_ key: String) throws -> String? {
        guard object[key] != nil, !(object[key] is NSNull) else { return nil }
        return try string(key)
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let bool = value as? Bool else { throw Problem.unprocessable("\(key) must be true or false", field: key) }
        return bool
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard !SettingsSchema.isBool(value), let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
            range.contains(number.intValue)
        else {
            throw Problem.unprocessable("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)", field: key)
        }
        return number.intValue
    }

    /// An array of strings, or nil when absent or null.
    func optionalStringArray(_ key: String) throws -> [String]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let array = value as? [Any], let strings = array as? [String] else {
            throw Problem.unprocessable("\(key) must be an array of strings", field: key)
        }
        return strings
    }

    /// A nested object re-encoded as JSON text ("{}" when absent).
    func objectJSON(_ key: String) throws -> String {
        guard let value = object[key], !(value is NSNull) else { return "{}" }
        guard value is [String: Any] else { throw Problem.unprocessable("\(key) must be a JSON object", field: key) }
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
