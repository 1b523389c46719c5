import PluginAPI

/// The ABI's status codes as a Swift value, with readable names for logs and errors.
struct ABIStatus: Hashable, Sendable, CustomStringConvertible {
    let rawValue: sb_status_t

    init(_ rawValue: sb_status_t) { self.rawValue = rawValue }

    static let ok = ABIStatus(SB_OK)
    static let pending = ABIStatus(SB_PENDING)
    static let invalidArgument = ABIStatus(SB_ERR_INVALID_ARGUMENT)
    static let notFound = ABIStatus(SB_ERR_NOT_FOUND)
    static let invalidHandle = ABIStatus(SB_ERR_INVALID_HANDLE)
    static let conflict = ABIStatus(SB_ERR_CONFLICT)
    static let denied = ABIStatus(SB_ERR_DENIED)
    static let tooLarge = ABIStatus(SB_ERR_TOO_LARGE)
    static let timeout = ABIStatus(SB_ERR_TIMEOUT)
    static let io = ABIStatus(SB_ERR_IO)
    static let unsupported = ABIStatus(SB_ERR_UNSUPPORTED)
    static let unavailable = ABIStatus(SB_ERR_UNAVAILABLE)
    static let `internal` = ABIStatus(SB_ERR_INTERNAL)
    static let version = ABIStatus(SB_ERR_VERSION)

    var isSuccess: Bool { rawValue == SB_OK || rawValue == SB_PENDING }

    var description: String {
        switch rawValue {
        case SB_OK: "ok"
        case SB_PENDING: "pending"
        case SB_ERR_INVALID_ARGUMENT: "invalid_argument"
        case SB_ERR_NOT_FOUND: "not_found"
        case SB_ERR_INVALID_HANDLE: "invalid_handle"
        case SB_ERR_CONFLICT: "conflict"
        case SB_ERR_DENIED: "denied"
        case SB_ERR_TOO_LARGE: "too_large"
        case SB_ERR_TIMEOUT: "timeout"
        case SB_ERR_IO: "io"
        case SB_ERR_UNSUPPORTED: "unsupported"
        case SB_ERR_UNAVAILABLE: "unavailable"
        case SB_ERR_INTERNAL: "internal"
        case SB_ERR_VERSION: "version"
        default: "status_\(rawValue)"
        }
    }
}
