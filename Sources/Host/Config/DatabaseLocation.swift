import Foundation

/// Where a host keeps its data, from `[database] url` (`SWITCHBOARD_DATABASE_URL`).
///
/// - unset, empty or `sqlite:` — the embedded default: `<data_dir>/host.sqlite` and one SQLite
///   file per tenant and plugin under `<data_dir>/tenants`;
/// - `postgres://user[:password]@host[:port]/database[?pool=N&schema=S]` (or `postgresql://`)
///   — a PostgreSQL server several hosts may share.
public enum DatabaseLocation: Sendable, Hashable {
    case embedded
    case postgres(url: String)

    /// Parses the setting.
    /// - Throws: ``HostConfiguration/Invalid`` naming `database.url` for another scheme (the
    ///   message never repeats the URL, which may hold a password).
    public init(url: String) throws {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "sqlite:" {
            self = .embedded
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else {
            throw HostConfiguration.Invalid(
                key: "database.url", reason: "must be empty, sqlite: or postgres://user@host:port/database")
        }
    }

    /// The setting as written; nil for the default.
    public var url: String? {
        switch self {
        case .embedded: nil
        case .postgres(let url): url
        }
    }

    /// The setting with its password, if any, shown as `********` (what `config check` prints).
    public var maskedURL: String? {
        guard case .postgres(let url) = self else { return nil }
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), scheme.upperBound < at,
            let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return String(url[...colon]) + "********" + String(url[at...])
    }

    /// Where it is, without credentials: for logs and messages.
    public var redacted: String {
        switch self {
        case .embedded: return "sqlite (embedded)"
        case .postgres(let url):
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return "postgres" }
            let rest = url[url.index(after: at)...]
            return String(url[..<scheme.upperBound]) + String(rest.split(separator: "?", maxSplits: 1).first ?? "")
        }
    }
}
