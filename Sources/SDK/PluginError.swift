/// An error that crosses the plugin boundary as a status code plus a message.
///
/// Host services throw it with the status the host returned. Plugin code may
/// throw it from any hook: the SDK turns it into that status code and copies
/// `message` into the host's error buffer. Any other Swift error thrown from a
/// hook becomes `.internal` with `String(describing: error)` as the message.
public struct PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A status code of the ABI (`sb_status_t`).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: sb_status_t
        public init(rawValue: sb_status_t) { self.rawValue = rawValue }

        /// Malformed input: bad UTF-8, bad JSON, bad SQL, an empty key.
        public static let invalidArgument = Code(rawValue: SB_ERR_INVALID_ARGUMENT)
        /// No such key, row or route.
        public static let notFound = Code(rawValue: SB_ERR_NOT_FOUND)
        /// Unknown, stale or foreign handle.
        public static let invalidHandle = Code(rawValue: SB_ERR_INVALID_HANDLE)
        /// Compare-and-swap mismatch or constraint violation.
        public static let conflict = Code(rawValue: SB_ERR_CONFLICT)
        /// Refused by the host's isolation rules.
        public static let denied = Code(rawValue: SB_ERR_DENIED)
        /// A size limit was exceeded.
        public static let tooLarge = Code(rawValue: SB_ERR_TOO_LARGE)
        /// The operation did not finish in time.
        public static let timeout = Code(rawValue: SB_ERR_TIMEOUT)
        /// Network or disk failure.
        public static let io = Code(rawValue: SB_ERR_IO)
        /// Not implemented (by the host or by the plugin).
        public static let unsupported = Code(rawValue: SB_ERR_UNSUPPORTED)
        /// Closed: stream ended, instance stopping, client gone.
        public static let unavailable = Code(rawValue: SB_ERR_UNAVAILABLE)
        /// A bug on the side that reports it.
        public static let `internal` = Code(rawValue: SB_ERR_INTERNAL)
        /// ABI version not supported.
        public static let version = Code(rawValue: SB_ERR_VERSION)

        public var description: String {
            switch rawValue {
            case SB_OK: return "ok"
            case SB_PENDING: return "pending"
            case SB_ERR_INVALID_ARGUMENT: return "invalid argument"
            case SB_ERR_NOT_FOUND: return "not found"
            case SB_ERR_INVALID_HANDLE: return "invalid handle"
            case SB_ERR_CONFLICT: return "conflict"
            case SB_ERR_DENIED: return "denied"
            case SB_ERR_TOO_LARGE: return "too large"
            case SB_ERR_TIMEOUT: return "timeout"
            case SB_ERR_IO: return "i/o error"
            case SB_ERR_UNSUPPORTED: return "unsupported"
            case SB_ERR_UNAVAILABLE: return "unavailable"
            case SB_ERR_INTERNAL: return "internal error"
            case SB_ERR_VERSION: return "unsupported ABI version"
            default: return "status \(rawValue)"
            }
        }
    }

    /// The status code reported across the boundary.
    public var code: Code
    /// A human-readable reason (UTF-8; truncated to the host's buffer).
    public var message: String

    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public var description: String { message.isEmpty ? code.description : "\(code): \(message)" }
}

// MARK: - Boundary helpers (internal)

/// Copy `message` into the caller's error buffer, like `sb_error_set`, never
/// cutting a UTF-8 sequence in half.
func writeError(_ err: UnsafeMutablePointer<sb_error_t>?, _ message: String) {
    guard let err, let buf = err.pointee.buf else { return }
    let cap = err.pointee.cap
    var message = message
    let written = message.withUTF8 { utf8 -> Int in
        var n = min(utf8.count, cap)
        if n < utf8.count {
            while n > 0 && (utf8[n] & 0xC0) == 0x80 { n -= 1 }
        }
        if n > 0, let base = utf8.baseAddress { buf.update(from: base, count: n) }
        return n
    }
    err.pointee.len = written
}

/// Turn any error thrown by plugin code into a status code and message.
@inline(never)
func statusFor(_ error: any Error, _ err: UnsafeMutablePointer<sb_error_t>?) -> sb_status_t {
    if let e = error as? PluginError, e.code.rawValue != SB_OK, e.code.rawValue != SB_PENDING {
        writeError(err, e.message.isEmpty ? e.code.description : e.message)
        return e.code.rawValue
    }
    writeError(err, String(describing: error))
    return SB_ERR_INTERNAL
}

/// Throw a PluginError when a host call did not return SB_OK.
@inline(__always)
func check(_ status: sb_status_t, _ what: StaticString) throws {
    if status != SB_OK { throw hostError(status, what) }
}

@inline(never)
func hostError(_ status: sb_status_t, _ what: StaticString, _ message: String = "") -> PluginError {
    let code = PluginError.Code(rawValue: status)
    return PluginError(code, message.isEmpty ? "\(what): \(code)" : "\(what): \(message)")
}
