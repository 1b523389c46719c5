import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardHost
import Synchronization

/// A real host on a loopback port with its own data directory: real SQLite files, real
/// dlopen, real HTTP. Stopped with `stop()` (graceful, like SIGTERM).
final class LiveHost: HostClient {
    static let adminToken = "test-admin-token-0123456789"

    let server: HostServer
    let port: Int
    let dataDirectory: String
    /// A plugin directory of the test's own, for C plugins compiled during the test.
    let pluginDirectory: String
    /// The task running the server; ``stop()`` ends it gracefully, cancelling it only as a last resort.
    let task: Task<Void, any Error>

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// Start a host. `configure` adjusts the configuration; plugins load from the build's bin
    /// folder (the first-party plugins) and from `pluginDirectory`.
    static func start(
        label: String = "host", enabled: [String]? = nil,
        prepare: (String) async throws -> Void = { _ in },
        configure: (inout HostConfiguration) -> Void = { _ in }
    ) async throws -> LiveHost {
        let (server, dataDirectory, pluginDirectory) = try await makeServer(
            label: label, enabled: enabled, prepare: prepare, configure: configure)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }
        }
        var port = 0
        for await value in portStream { port = value }
        guard port > 0 else {
            task.cancel()
            throw Fixtures.CompileError(description: "server did not start")
        }
        return LiveHost(server: server, port: port, data: dataDirectory, plugins: pluginDirectory, task: task)
    }

    /// A host server as the tests configure it, with data and plugin directories of its own:
    /// nothing loaded, nothing listening yet.
    static func makeServer(
        label: String, enabled: [String]? = nil, prepare: (String) async throws -> Void = { _ in },
        configure: (inout HostConfiguration) -> Void = { _ in }
    ) async throws -> (server: HostServer, dataDirectory: String, pluginDirectory: String) {
        let dataDirectory = try Fixtures.temporaryDirectory("\(label)-data")
        let pluginDirectory = try Fixtures.temporaryDirectory("\(label)-plugins")
        try await prepare(pluginDirectory)
        var configuration = HostConfiguration()
        configuration.port = 0
        configuration.dataDirectory = dataDirectory
        configuration.pluginDirectories = [Fixtures.binDir, pluginDirectory]
        configuration.enabledPlugins = enabled
        configuration.adminToken = adminToken
        configuration.limits.drainTimeout = .seconds(5)
        if let url = Fixtures.hostPostgresURL {
            // The whole host on PostgreSQL, in a schema of this host's own.
            let schema = "h_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            configuration.database = .postgres(url: url + "?pool=4&schema=" + schema)
        }
        configure(&configuration)
        var logger = Logger(label: "test.\(label)")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG"] != nil ? .debug : .critical
        let server = try HostServer(configuration: configuration, executableDirectory: Fixtures.binDir, logger: logger)
        return (server, dataDirectory, pluginDirectory)
    }

    private init(server: HostServer, port: Int, data: String, plugins: String, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.dataDirectory = data
        self.pluginDirectory = plugins
        self.task = task
    }

    var runtime: PluginRuntime { server.runtime }

    /// One HTTP request over loopback.
    func request(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(bytes.readableBytesView))
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, headers: [(String, String)]) async throws -> Reply {
        try await request(method, path, body: body, headers: headers)
    }

    /// Graceful stop, as on SIGTERM.
    func stop() async {
        await stopGracefully(task, grace: .seconds(15)) { await server.stop() }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: pluginDirectory)
    }
}

/// What the tests send requests through: a ``LiveHost`` over loopback or a ``RouterHost``
/// with no socket.
protocol HostClient: Sendable {
    /// One request with the body and headers as given.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, headers: [(String, String)]) async throws
        -> LiveHost.Reply
}

extension HostClient {
    /// An admin API call with the bearer token and a JSON body.
    func admin(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil) async throws -> LiveHost.Reply {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        return try await send(
            method, "/admin/v1" + path, body: body,
            headers: [("Authorization", "Bearer \(LiveHost.adminToken)"), ("Content-Type", "application/json")])
    }

    /// Create a tenant and an instance of a plugin; returns the instance id.
    @discardableResult
    func createInstance(
        tenant: String, plugin: String, name: String, isDefault: Bool = false, settings: [String: Any] = [:]
    ) async throws -> String {
        let tenants = try await admin(.GET, "/tenants?limit=200").json["items"] as? [[String: Any]] ?? []
        if !tenants.contains(where: { $0["slug"] as? String == tenant }) {
            let created = try await admin(.POST, "/tenants", json: ["slug": tenant, "name": tenant.capitalized])
            guard created.status == 201 else { throw Fixtures.CompileError(description: "tenant: \(created.text)") }
        }
        let reply = try await admin(
            .POST, "/instances",
            json: ["tenant": tenant, "plugin": plugin, "name": name, "is_default": isDefault, "settings": settings])
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw Fixtures.CompileError(description: "instance: \(reply.status) \(reply.text)")
        }
        return id
    }
}
