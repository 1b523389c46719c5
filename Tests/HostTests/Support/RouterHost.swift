import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import SwitchboardHost

/// A host with no socket: the server a ``LiveHost`` runs, started (plugins loaded, instances
/// started), its application driven by HummingbirdTesting's `.router` framework.
struct RouterHost: HostClient {
    let server: HostServer
    let client: any TestClientProtocol

    /// Start a host, run `body` against it, then stop it and remove its directories.
    static func run<Value: Sendable>(
        label: String, enabled: [String]? = nil, prepare: (String) async throws -> Void = { _ in },
        configure: (inout HostConfiguration) -> Void = { _ in },
        _ body: @Sendable (RouterHost) async throws -> Value
    ) async throws -> Value {
        let (server, dataDirectory, pluginDirectory) = try await LiveHost.makeServer(
            label: label, enabled: enabled, prepare: prepare, configure: configure)
        defer {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            try? FileManager.default.removeItem(atPath: pluginDirectory)
        }
        do {
            try await server.start()
            let value = try await server.application().test(.router) { client in
                try await body(RouterHost(server: server, client: client))
            }
            await server.shutdown()
            return value
        } catch {
            await server.shutdown()
            throw error
        }
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, headers: [(String, String)]) async throws
        -> LiveHost.Reply
    {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: name, value: value))
        }
        let response = try await client.execute(
            uri: path, method: HTTPRequest.Method(method.rawValue)!, headers: fields,
            body: body.map { ByteBuffer(bytes: $0) })
        return LiveHost.Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name.rawName, $0.value) },
            body: Array(response.body.readableBytesView))
    }

    /// One request.
    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [])
        async throws -> LiveHost.Reply
    {
        try await send(method, path, body: body, headers: headers)
    }
}
