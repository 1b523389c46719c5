import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A fake Evolution API server on loopback, speaking its wire format: `POST
/// /message/sendText/{instance}` answers 201 with the sent message (`key.id`), like Evolution 2.x
/// does; on demand it fails the next calls, and it can echo each send back to a webhook URL as a
/// `send.message` event *before* answering, as a real server does.
final class EvolutionFake: Sendable {
    /// One planned failure: the status and body of the next answer.
    struct Failure: Sendable {
        var status: Int
        var body: String
    }

    private struct State {
        var failures: [Failure] = []
        var echoURL: String?
        var echoReplies: [[UInt8]] = []
        var sent = 0
    }

    private let state = Mutex(State())
    private let held = Mutex<Gate?>(nil)
    let server: StubServer

    private init(server: StubServer) {
        self.server = server
    }

    /// Run `body` against a fresh fake; it stops afterwards.
    static func with<T: Sendable>(_ body: (EvolutionFake) async throws -> T) async throws -> T {
        let box = Mutex<EvolutionFake?>(nil)
        return try await StubServer.with({ received in
            guard let fake = box.withLock({ $0 }) else { return .text("{}", status: .serviceUnavailable) }
            return try await fake.answer(received)
        }) { server in
            let fake = EvolutionFake(server: server)
            box.withLock { $0 = fake }
            return try await body(fake)
        }
    }

    /// The base URL to configure as `evolution_url`.
    var url: String { server.url("") }

    /// Every sendText call received, failed ones included.
    var sendTextCalls: [StubServer.Received] { server.requests.filter { $0.path.hasPrefix("/message/sendText/") } }

    /// The calls that were answered 201.
    var sent: Int { state.withLock { $0.sent } }

    /// Fail the next `times` calls with `status` and an Evolution error body carrying `message`.
    func failNext(_ status: Int, message: String, times: Int = 1) {
        let body = try! JSONSerialization.data(
            withJSONObject: ["status": status, "error": status >= 500 ? "Internal Server Error" : "Bad Request",
                             "response": ["message": [message]]])
        let failure = Failure(status: status, body: String(decoding: body, as: UTF8.self))
        state.withLock { $0.failures += Array(repeating: failure, count: times) }
    }

    /// Hold every sendText answer until the returned gate opens (a slow or hanging server).
    func hold() -> Gate {
        let gate = Gate()
        held.withLock { $0 = gate }
        return gate
    }

    /// Echo every successful send to `url` as `send.message` before answering it.
    func echo(to url: String?) { state.withLock { $0.echoURL = url } }

    /// The JSON answers the host gave to the echoes.
    var echoReplies: [[String: Any]] {
        state.withLock { $0.echoReplies }.map {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] ?? [:]
        }
    }

    private func answer(_ received: StubServer.Received) async throws -> Response {
        guard received.path.hasPrefix("/message/sendText/") else {
            return .text(#"{"status":404,"error":"Not Found","response":{"message":["Cannot POST \#(received.path)"]}}"#, status: .notFound)
        }
        if let gate = held.withLock({ $0 }) { await gate.wait() }
        if let failure = state.withLock({ $0.failures.isEmpty ? nil : $0.failures.removeFirst() }) {
            return .text(failure.body, status: .init(code: failure.status))
        }
        let (count, echoURL) = state.withLock { state in
            state.sent += 1
            return (state.sent, state.echoURL)
        }
        let body = received.json
        let number = body["number"] as? String ?? ""
        let text = body["text"] as? String ?? (body["textMessage"] as? [String: Any])?["text"] as? String ?? ""
        let message: [String: Any] = [
            "key": ["remoteJid": number.contains("@") ? number : number + "@s.whatsapp.net", "fromMe": true,
                    "id": String(format: "BAE5%012X", count)],
            "pushName": "", "status": "PENDING", "message": ["conversation": text], "contextInfo": NSNull(),
            "messageType": "conversation", "messageTimestamp": Int(Date().timeIntervalSince1970),
            "instanceId": "6f1c2a9e-7b1d-4a55-9f0e-3c2b1a0d9e8f", "source": "unknown",
        ]
        if let echoURL {
            let instance = String(received.path.dropFirst("/message/sendText/".count))
            let reply = try await Self.post(echoURL, Self.envelope("send.message", message, instance: instance))
            state.withLock { $0.echoReplies.append(reply) }
        }
        let data = try JSONSerialization.data(withJSONObject: message)
        return .text(String(decoding: data, as: UTF8.self), status: .created)
    }

    /// A webhook body as Evolution wraps `data`.
    static func envelope(_ event: String, _ data: [String: Any], instance: String, apiKey: String? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "event": event, "instance": instance, "data": data, "destination": "http://switchboard/webhook",
            "date_time": "2026-12-02T11:13:20.123Z", "sender": "5511900000000@s.whatsapp.net",
            "server_url": "http://evolution.local:8080",
        ]
        if let apiKey { body["apikey"] = apiKey }
        return body
    }

    private static func post(_ url: String, _ body: [String: Any]) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Array(bytes.readableBytesView)
    }

    /// An HS256 token as Evolution signs one with a webhook's `jwt_key` header.
    static func jwt(secret: String, issuedAt: Int = Int(Date().timeIntervalSince1970), lifetime: Int = 600) -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims = encode(
            try! JSONSerialization.data(
                withJSONObject: ["iat": issuedAt, "exp": issuedAt + lifetime, "app": "evolution", "action": "webhook"]))
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data((header + "." + claims).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return header + "." + claims + "." + encode(Data(signature))
    }
}
