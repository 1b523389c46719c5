import Foundation
import NIOHTTP1
import Synchronization

/// The OpenAPI document as the tests hold the host to it: which documented operation a
/// request is, and whether a reply is one that operation documents (status, content type,
/// body schema). Remembers which operations the replies covered.
final class OpenAPIContract: Sendable {
    /// The repository's document, the one the host serves.
    static let path = Fixtures.repoRoot + "/Sources/Host/Admin/openapi.json"

    /// One documented operation: `GET /admin/v1/tenants/{tenant}`.
    struct Operation: Hashable, Comparable, CustomStringConvertible, Sendable {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
    }

    nonisolated(unsafe) let document: [String: Any]
    let bytes: [UInt8]
    private let covered = Mutex<Set<Operation>>([])

    init() throws {
        bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.path)))
        guard let document = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw Fixtures.CompileError(description: "openapi.json is not a JSON object")
        }
        self.document = document
    }

    var schemas: JSONSchemaCheck { JSONSchemaCheck(document: document) }

    private var paths: [String: [String: Any]] { document["paths"] as? [String: [String: Any]] ?? [:] }

    /// Every documented operation.
    var operations: [Operation] {
        let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        return paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { Operation(method: $0.uppercased(), path: path) }
        }.sorted()
    }

    /// The operation object, with its path item's parameters first.
    func operation(_ operation: Operation) -> [String: Any]? {
        guard let item = paths[operation.path], var object = item[operation.method.lowercased()] as? [String: Any]
        else { return nil }
        object["parameters"] = (item["parameters"] as? [Any] ?? []) + (object["parameters"] as? [Any] ?? [])
        return object
    }

    /// The documented path a concrete path (no query) is: literal segments before `{parameters}`.
    func template(of path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let candidates = paths.keys.filter { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in
                    (part.hasPrefix("{") && !segment.isEmpty) || part == segment
                }
        }
        return candidates.min { $0.filter { $0 == "{" }.count < $1.filter { $0 == "{" }.count }
    }

    /// Operations not yet covered by a checked reply.
    var uncovered: [Operation] {
        let covered = covered.withLock { $0 }
        return operations.filter { !covered.contains($0) }
    }

    /// Why a reply to `method path` is not one the document describes; nil when it is.
    func violation(_ reply: LiveHost.Reply, _ method: HTTPMethod, _ path: String) -> String? {
        let bare = String(path.prefix { $0 != "?" })
        guard let template = template(of: bare) else { return "\(bare) is not documented" }
        let operation = Operation(method: method.rawValue, path: template)
        guard let object = self.operation(operation) else { return "\(operation) is not documented" }
        covered.withLock { _ = $0.insert(operation) }
        guard var response = (object["responses"] as? [String: Any])?["\(reply.status)"] as? [String: Any] else {
            return "\(operation) does not document status \(reply.status) (\(reply.text))"
        }
        if let reference = response["$ref"] as? String {
            response = (try? schemas.resolve(reference)) as? [String: Any] ?? [:]
        }
        guard let content = response["content"] as? [String: Any] else {
            return reply.body.isEmpty ? nil : "\(operation) \(reply.status) documents no body, got \(reply.text)"
        }
        let contentType = reply.header("content-type") ?? "(none)"
        guard let media = content[contentType] as? [String: Any] else {
            return "\(operation) \(reply.status): content type \(contentType) is not one of \(content.keys.sorted())"
        }
        guard let schema = media["schema"] else { return nil }
        let value: Any
        if contentType.contains("json") {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(reply.body), options: .fragmentsAllowed)
            else { return "\(operation) \(reply.status): body is not JSON: \(reply.text)" }
            value = parsed
        } else {
            value = reply.text
        }
        return schemas.firstViolation(of: schema, by: value).map { "\(operation) \(reply.status): \($0)" }
    }
}
