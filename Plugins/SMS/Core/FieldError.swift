/// A request the domain refuses: an HTTP status, the field at fault and the reason.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A machine-readable error code.
    public enum Code: String, Sendable {
        case invalid = "invalid_field"
        case notFound = "not_found"
        case conflict = "conflict"
    }

    public var code: Code
    public var field: String
    public var message: String

    public init(_ code: Code = .invalid, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// 422, 404 or 409.
    public var status: Int {
        switch code {
        case .invalid: 422
        case .notFound: 404
        case .conflict: 409
        }
    }

    public var description: String { "\(field) \(message)" }
}
