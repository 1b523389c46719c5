// POST /webhook/{anything}: collect the body, answer {"status":"ok"}. Port from $PORT (default 8091).
// POST /message/sendText/{instance}: a minimal Evolution stand-in for the replies of the switchboard
// run (201 with a key.id), so its sends succeed at once instead of blocking on a dead address.
import Foundation
import Hummingbird

let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8091
let router = Router()
router.post("/webhook/**") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    return Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok","bytes":\#(body.readableBytes)}"#)))
}
let sent = ManagedAtomicCounter()
router.post("/message/sendText/{instance}") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    return Response(
        status: .created, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"key":{"fromMe":true,"id":"BENCH\#(sent.next())"}}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()

/// A thread-safe counter for the stand-in's message ids.
final class ManagedAtomicCounter: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
