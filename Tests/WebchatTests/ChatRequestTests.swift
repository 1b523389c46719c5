import SwitchboardSDK
import Testing

@testable import WebchatCore

/// `POST /chat` bodies: what is accepted, and which field each refusal names.
@Suite("Webchat chat requests")
struct ChatRequestTests {
    let limits = MessageLimits(maxMessageBytes: 20)

    func refusal(_ body: String) -> WebchatError? {
        do {
            _ = try ChatRequest(body: Array(body.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsAMessageWithOptionalFields() throws {
        let plain = try ChatRequest(body: Array(#"{"message":"  hello \n"}"#.utf8), limits: limits)
        #expect(plain == ChatRequest(message: "hello"))
        let id = SessionID.generate().rawValue
        let full = try ChatRequest(
            body: Array(#"{"session_id":"\#(id)","message":"hi","stream":true}"#.utf8), limits: limits)
        #expect(full.sessionID?.rawValue == id && full.stream)
        #expect(
            try ChatRequest(body: Array(#"{"message":"x","session_id":null}"#.utf8), limits: limits).sessionID == nil)
    }

    @Test func refusalsNameTheirField() {
        #expect(refusal("not json").map(\.summary) == "400 body")
        #expect(refusal("[1]")?.field == "body")
        #expect(refusal("{}").map(\.summary) == "422 message" && refusal("{}")?.code == .missingField)
        #expect(refusal(#"{"message":5}"#).map(\.summary) == "422 message")
        #expect(refusal(#"{"message":"   "}"#)?.field == "message")
        #expect(refusal(#"{"message":"hi","stream":"yes"}"#).map(\.summary) == "422 stream")
        #expect(refusal(#"{"message":"hi","session_id":"abc"}"#)?.field == "session_id")
        #expect(refusal(#"{"message":"hi","colour":1}"#)?.code == .unknownField)
    }

    @Test func sizeLimits() {
        #expect(refusal(#"{"message":"\#(String(repeating: "a", count: 21))"}"#).map(\.summary) == "413 message")
        // 20 bytes exactly pass; multi-byte characters count as bytes.
        #expect(refusal(#"{"message":"\#(String(repeating: "a", count: 20))"}"#) == nil)
        #expect(refusal(#"{"message":"\#(String(repeating: "é", count: 11))"}"#)?.status == 413)
        let huge = #"{"message":"\#(String(repeating: "a", count: limits.maxBodyBytes))"}"#
        #expect(refusal(huge).map(\.summary) == "413 body")
    }

    @Test func unknownFieldIsNamed() {
        #expect(refusal(#"{"message":"hi","colour":1}"#)?.field == "colour")
    }

    @Test func errorJSONAndHeaders() {
        let error = WebchatError(status: 429, code: .rateLimited, "slow down", field: "client", retryAfter: 7)
        #expect(
            error.json.jsonString == #"{"error":"rate_limited","message":"slow down","field":"client","retry_after":7}"#
        )
        #expect(error.headers == [HTTPHeader("Retry-After", "7")])
        #expect(WebchatError(status: 400, code: .invalidJSON, "x").headers.isEmpty)
    }
}

/// Session ids: 128 random bits in one strict format.
@Suite("Webchat session ids")
struct SessionIDTests {
    @Test func formatAndRandomness() {
        let ids = (0..<200).map { _ in SessionID.generate().rawValue }
        #expect(Set(ids).count == 200)
        for id in ids {
            #expect(id.hasPrefix("wcs_") && id.count == 36)
            #expect(SessionID(id)?.rawValue == id)
        }
    }

    @Test func generatorBitsAllReachTheId() {
        struct Fixed: RandomNumberGenerator {
            var values: [UInt64]
            mutating func next() -> UInt64 { values.removeFirst() }
        }
        var a = Fixed(values: [0, 0])
        var b = Fixed(values: [0, 1 << 63])
        #expect(SessionID.generate(using: &a).rawValue == "wcs_" + String(repeating: "0", count: 32))
        #expect(SessionID.generate(using: &b) != SessionID(String("wcs_" + String(repeating: "0", count: 32))))
    }

    @Test func refusesOtherShapes() {
        let good = String(repeating: "a1", count: 16)
        #expect(SessionID("wcs_" + good) != nil)
        for bad in [
            "", "wcs_", "wcs_" + good + "0", "wcs_" + good.dropLast(), "WCS_" + good,
            "wcs_" + good.uppercased(), "xyz_" + good, "wcs_" + good.dropLast() + "g", "wcs_../" + good.dropFirst(3),
        ] {
            #expect(SessionID(String(bad)) == nil, "\(bad)")
        }
    }
}

extension WebchatError {
    /// "STATUS FIELD", for compact expectations.
    var summary: String { "\(status) \(field ?? "-")" }
}
