/// Which plugin route answers a request path. Pure: built from manifests, no I/O.
///
/// Instance routes live under `/webhook/{plugin}/{instance}{route}`; alias routes live at
/// their absolute path and go to the plugin's default instance; tenant routes live under
/// `/v1/plugins/{plugin}/{instance}{route}` (the caller is authenticated before dispatch).
struct RouteTable: Sendable {
    /// Which instance a matched route goes to.
    enum InstanceSelector: Sendable, Hashable {
        case named(String)
        case defaultInstance
        /// No instance can answer (a widget key of another plugin's instance).
        case unavailable
    }

    struct Match: Sendable, Hashable {
        var plugin: String
        var instance: InstanceSelector
        var route: RouteSpec
        /// The path after the instance mount (for aliases, the whole path).
        var subpath: String
    }

    enum Resolution: Sendable, Hashable {
        case matched(Match)
        /// The path exists for other methods.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private struct Entry: Sendable {
        var plugin: String
        var route: RouteSpec
        var pattern: RoutePattern
    }

    private var instanceRoutes: [String: [Entry]] = [:]
    private var tenantRoutes: [String: [Entry]] = [:]
    private var aliasRoutes: [Entry] = []

    /// Where tenant routes are mounted: `/v1/plugins/{plugin}/{instance}…`.
    static let tenantPrefix = "/v1/plugins/"

    static let empty = RouteTable(manifests: [])

    init(manifests: [PluginManifest]) {
        for manifest in manifests.sorted(by: { $0.name < $1.name }) {
            for route in manifest.routes {
                guard let pattern = RoutePattern(route.path) else { continue }
                let entry = Entry(plugin: manifest.name, route: route, pattern: pattern)
                switch route.mount {
                case .instance: instanceRoutes[manifest.name, default: []].append(entry)
                case .tenant: tenantRoutes[manifest.name, default: []].append(entry)
                case .alias: aliasRoutes.append(entry)
                }
            }
        }
    }

    /// Paths that belong to the host and can never be plugin aliases.
    static func isReservedHostPath(_ path: String) -> Bool {
        let first = path.split(separator: "/").first.map(String.init) ?? ""
        return ["admin", "v1", "healthz", "readyz", "metrics"].contains(first) || path == "/"
    }

    func resolve(method: String, path: String) -> Resolution {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        if parts.count >= 4, parts[0] == "v1", parts[1] == "plugins" {
            // The tenant API's plugin routes: never aliases.
            let entries = tenantRoutes[String(parts[2])] ?? []
            return Self.match(entries, method: method, instance: parts[3], rest: parts.dropFirst(4))
        }
        if parts.count >= 3, parts[0] == "webhook", let entries = instanceRoutes[String(parts[1])] {
            switch Self.match(entries, method: method, instance: parts[2], rest: parts.dropFirst(3)) {
            case .matched(let match): return .matched(match)
            case .methodNotAllowed(let methods): allowed = methods
            case .notFound: break
            }
        }
        for entry in aliasRoutes where entry.pattern.matches(parts) {
            if entry.route.method == "*" || entry.route.method == method {
                return .matched(
                    Match(plugin: entry.plugin, instance: .defaultInstance, route: entry.route, subpath: path))
            }
            allowed.append(entry.route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// The first of `entries` matching the path after `/{plugin}/{instance}`.
    private static func match(
        _ entries: [Entry], method: String, instance: Substring, rest: ArraySlice<Substring>
    ) -> Resolution {
        var allowed: [String] = []
        for entry in entries where entry.pattern.matches(rest) {
            if entry.route.method == "*" || entry.route.method == method {
                return .matched(
                    Match(
                        plugin: entry.plugin, instance: .named(String(instance)), route: entry.route,
                        subpath: "/" + rest.joined(separator: "/")))
            }
            allowed.append(entry.route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
