import Crypto
import Foundation
import Hummingbird
import Synchronization

/// The far end of the SMS channel: Twilio's Messages resource on loopback (201 with a sid, or a
/// failure when told to), and the signing Twilio does on its webhooks.
final class FakeTwilio: Sendable {
    static let accountSID = "AC00000000000000000000000000000001"
    static let authToken = "test-auth-token-9f2c1a7be0d84c5a"
    static let publicBase = "https://sms.example.com"

    private struct State {
        var next = 0
        var failuresLeft = 0
        var refuse = false
    }

    private let state = Mutex(State())

    /// The next `count` calls answer 500.
    func fail(_ count: Int) { state.withLock { $0.failuresLeft = count } }

    /// Every call answers 400 with Twilio's error body.
    func refuseAll(_ on: Bool) { state.withLock { $0.refuse = on } }

    var handler: StubServer.Handler {
        { [self] _ in
            let (sid, failing, refusing) = state.withLock { s -> (String, Bool, Bool) in
                if s.refuse { return ("", false, true) }
                if s.failuresLeft > 0 {
                    s.failuresLeft -= 1
                    return ("", true, false)
                }
                s.next += 1
                return (String(format: "SM%032d", s.next), false, false)
            }
            if refusing {
                return .text(#"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}"#, status: .badRequest)
            }
            if failing { return .text(#"{"message": "internal error"}"#, status: .internalServerError) }
            return .text(#"{"sid": "\#(sid)", "status": "queued"}"#, status: .created)
        }
    }

    /// One Messages.json call as the fake received it.
    struct Call {
        var path: String
        var authorization: String?
        var form: [String: String]
        var raw: String
    }

    static func calls(_ server: StubServer) -> [Call] {
        server.requests.map { r in
            let raw = String(decoding: r.body, as: UTF8.self)
            var form: [String: String] = [:]
            for pair in raw.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                form[kv[0]] = kv.count > 1 ? kv[1] : ""
            }
            return Call(path: r.path, authorization: r.header("authorization"), form: form, raw: raw + " " + r.headers.description)
        }
    }

    /// X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted name+value)).
    static func sign(url: String, params: [(String, String)], token: String = authToken) -> String {
        let data = url + params.sorted { $0.0 < $1.0 }.map { $0.0 + $0.1 }.joined()
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).base64EncodedString()
    }

    static func form(_ params: [(String, String)]) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(
            params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                .joined(separator: "&").utf8)
    }
}
