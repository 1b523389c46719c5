import Foundation
import Hummingbird
import Logging
import NIOCore

/// A loopback web server for one HTML page, on an origin of its own (another port): the
/// "customer site" of the browser test.
final class WebchatPageServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    var url: String { "http://127.0.0.1:\(port)/page.html" }

    /// Serve `html` at `/page.html` until `stop()`.
    static func start(html: String) async throws -> WebchatPageServer {
        let router = Router()
        router.get("page.html") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        var logger = Logger(label: "test.page")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.run() }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            task.cancel()
            throw Fixtures.CompileError(description: "page server did not start")
        }
        return WebchatPageServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
