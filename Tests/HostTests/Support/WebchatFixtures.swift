import Foundation
import NIOHTTP1

@testable import SwitchboardHost

/// A live host with one webchat instance and its widget key, and helpers to talk to it.
struct WebchatSite {
    let host: LiveHost
    let key: String
    static let origin = "https://shop.example"

    /// Start a host with tenant acme's webchat instance `site` (settings merged over the defaults).
    static func start(
        _ label: String, settings: [String: Any] = [:], isDefault: Bool = false,
        configure: (inout HostConfiguration) -> Void = { _ in }
    ) async throws -> WebchatSite {
        let host = try await LiveHost.start(label: label, configure: configure)
        var merged: [String: Any] = ["allowed_origins": [origin], "theme": ["title": "Acme help", "color": "#ff5a1f"]]
        merged.merge(settings) { $1 }
        try await host.createInstance(
            tenant: "acme", plugin: "webchat", name: "site", isDefault: isDefault, settings: merged)
        _ = try await host.admin(
            .PUT, "/tenants/acme/assistant", json: ["assistant_name": "Alice", "company_name": "Acme"])
        let reply = try await host.admin(
            .POST, "/tenants/acme/api-keys", json: ["scope": "widget", "instance": "webchat/site"])
        guard let key = reply.json["key"] as? String else {
            throw Fixtures.CompileError(description: "widget key: \(reply.text)")
        }
        return WebchatSite(host: host, key: key)
    }

    /// A widget API call with the key in the query (as the widget sends it) from `origin`.
    func call(
        _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, raw: String? = nil,
        origin: String? = WebchatSite.origin, headers: [(String, String)] = []
    ) async throws -> LiveHost.Reply {
        let body = try raw.map { Array($0.utf8) } ?? json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        var all = headers
        if let origin { all.append(("Origin", origin)) }
        if body != nil { all.append(("Content-Type", "application/json")) }
        let separator = path.contains("?") ? "&" : "?"
        return try await host.request(method, path + separator + "key=" + key, body: body, headers: all)
    }

    /// The events of a `text/event-stream` body: (name, JSON data).
    static func events(_ reply: LiveHost.Reply) -> [(name: String, data: [String: Any])] {
        reply.text.components(separatedBy: "\n\n").compactMap { block in
            var name = "message"
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty, let json = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return (name, json)
        }
    }
}
