/// Which plugin route answers a request path. Pure: built from manifests, no I/O.
///
/// Instance routes live under `/webhook/{plugin}/{instance}{route}`; alias routes live at
/// their absolute path and go to the plugin's default instance.
struct RouteTable: Sendable {
    /// Which instance a matched route goes to.
    enum InstanceSelector: Sendable, Hashable {
        case named(String)
        case defaultInstance
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
    private var aliasRoutes: [Entry] = []

    static let empty = RouteTable(manifests: [])

    init(manifests: [PluginManifest]) {
        for manifest in manifests.sorted(by: { $0.name < $1.name }) {
            for route in manifest.routes {
                guard let pattern = RoutePattern(route.path) else { continue }
                let entry = Entry(plugin: manifest.name, route: route, pattern: pattern)
                switch route.mount {
                case .instance: instanceRoutes[manifest.name, default: []].append(entry)
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
        if parts.count >= 3, parts[0] == "webhook", let entries = instanceRoutes[String(parts[1])] {
            let rest = parts.dropFirst(3)
            let subpath = "/" + rest.joined(separator: "/")
            for entry in entries where entry.pattern.matches(rest) {
                if entry.route.method == "*" || entry.route.method == method {
                    return .matched(
                        Match(
                            plugin: entry.plugin, instance: .named(String(parts[2])), route: entry.route,
                            subpath: subpath))
                }
                allowed.append(entry.route.method)
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
}
