/// Why `switchboard migrate-data` refused or failed: a code a script can test and a message
/// that names the problem (never a password or a secret).
public struct DataMigrationError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Code: String, Sendable {
        /// `--from` is not `sqlite:PATH`.
        case badSource
        /// PATH holds no `host.sqlite`.
        case missingSource
        /// `--to` is not a PostgreSQL URL.
        case badTarget
        /// The target already holds data.
        case targetNotEmpty
        /// Copying failed; the target was rolled back.
        case copyFailed
        /// The row counts differ after copying; the target was rolled back.
        case verificationFailed
    }

    public var code: Code
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
