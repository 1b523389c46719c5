import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Synchronization

/// A real HTTP server on a loopback port that answers every GET and POST with the test's handler
/// and records what it received: the far end of the agent backends' tests, a provider's fake, or
/// a page on an origin of its own (another port).
final class StubServer: Sendable {
    /// One request as the server received it.
    struct Received: Sendable {
        var path: String
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    typealias Handler = @Sendable (Received) async throws -> Response

    /// What the server received, shared with its route.
    private final class Log: Sendable {
        let requests = Mutex<[Received]>([])
    }

    let port: Int
    private let log: Log
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(port: Int, log: Log, task: Task<Void, any Error>, group: ServiceGroup) {
        self.port = port
        self.log = log
        self.task = task
        self.group = group
    }

    func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request received so far, in order.
    var requests: [Received] { log.requests.withLock { $0 } }

    /// Run `body` against a server answering with `handler`; the server stops afterwards.
    static func with<T: Sendable>(
        _ handler: @escaping Handler, _ body: (StubServer) async throws -> T
    ) async throws -> T {
        let server = try await start(handler)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Start a server answering with `handler`; `stop()` it when done.
    static func start(_ handler: @escaping Handler) async throws -> StubServer {
        let log = Log()
        let router = Router()
        let respond: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let received = Received(path: request.uri.path, headers: headers, body: Array(body.readableBytesView))
            log.requests.withLock { $0.append(received) }
            return try await handler(received)
        }
        router.post("**", use: respond)
        router.get("**", use: respond)
        var logger = Logger(label: "test.stub")
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return StubServer(port: port, log: log, task: task, group: group)
    }

    /// Graceful shutdown (cancelling a server can trap on a connection it accepted but has not
    /// served yet, swift-nio#3481); a handler still hanging after `grace` is cancelled.
    func stop(grace: Duration = .seconds(5)) async {
        await stopGracefully(task, grace: grace) { await self.group.triggerGracefulShutdown() }
    }
}

/// Trigger a server's graceful shutdown, wait for `task` to end, and cancel it if it is still
/// running after `grace` (a handler that never returns).
func stopGracefully(
    _ task: Task<Void, any Error>, grace: Duration, trigger: @Sendable () async -> Void
) async {
    await trigger()
    let watchdog = Task {
        try await Task.sleep(for: grace)
        task.cancel()
    }
    _ = try? await task.value
    watchdog.cancel()
}

extension Response {
    /// A JSON (or any text) answer.
    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "application/json")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A `text/event-stream` answer written by `write`, one chunk at a time.
    static func events(_ write: @escaping @Sendable (EventWriter) async throws -> Void) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody { writer in
                let events = EventWriter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { events.close() }
                        try await write(events)
                    }
                    for await chunk in events.chunks { try await writer.write(ByteBuffer(string: chunk)) }
                    try await group.waitForAll()
                }
                try await writer.finish(nil)
            })
    }
}

/// Writes the chunks of an event-stream answer (see ``Response/events(_:)``).
struct EventWriter: Sendable {
    let chunks: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (chunks, continuation) = AsyncStream<String>.makeStream()
    }

    func send(_ chunk: String) { continuation.yield(chunk) }
    /// `data: {"choices":[{"delta":{"content": piece}}]}` and a blank line.
    func piece(_ piece: String) {
        let json = try! JSONSerialization.data(withJSONObject: ["choices": [["delta": ["content": piece]]]])
        send("data: " + String(decoding: json, as: UTF8.self) + "\n\n")
    }
    func done() { send("data: [DONE]\n\n") }
    func close() { continuation.finish() }
}

/// A one-shot signal between a test and its server: `open()` releases every `wait()`.
final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextId = 0
    }

    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    var isOpen: Bool { state.withLock { $0.open } }

    /// Returns when the gate opens or the waiting task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Wait at most `timeout`; true when the gate opened.
    func wait(atMost timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait()
                return self.isOpen
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
    }
}
