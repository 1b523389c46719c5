// POST /webhook/{anything}: collect the body, answer {"status":"ok"}. Port from $PORT (default 8091).
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
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
