import SwitchboardSDK
import Testing

@testable import EvolutionCore

/// sendText bodies and Evolution's answers; settings; the channel state operators see.
@Suite("Evolution sending")
struct SendTests {
    @Test("v2 and v1 bodies")
    func bodies() {
        #expect(
            SendText.body(.v2, number: "5511987654321", text: "Olá", delayMs: 1200)
                == ["number": "5511987654321", "text": "Olá", "delay": 1200])
        #expect(
            SendText.body(.v1, number: "5511987654321", text: "Olá", delayMs: 0)
                == ["number": "5511987654321", "textMessage": ["text": "Olá"], "options": ["delay": 0]])
    }

    @Test("201 and 200 give key.id; 4xx is refused with Evolution's reason; 5xx and 429 are retried")
    func outcomes() {
        let sent = #"{"key":{"remoteJid":"5511987654321@s.whatsapp.net","fromMe":true,"id":"BAE5F0A1B2C3D4E5"},"status":"PENDING"}"#
        #expect(SendText.outcome(status: 201, body: Array(sent.utf8)) == .sent(id: "BAE5F0A1B2C3D4E5"))
        #expect(SendText.outcome(status: 200, body: Array(sent.utf8)) == .sent(id: "BAE5F0A1B2C3D4E5"))
        let missing = #"{"status":400,"error":"Bad Request","response":{"message":[{"jid":"5511987654321@s.whatsapp.net","exists":false,"number":"5511987654321"}]}}"#
        #expect(
            SendText.outcome(status: 400, body: Array(missing.utf8))
                == .refused(status: 400, reason: "Evolution answered 400: the number is not on WhatsApp"))
        let text = #"{"status":404,"error":"Not Found","response":{"message":["The \"sales\" instance does not exist"]}}"#
        #expect(
            SendText.outcome(status: 404, body: Array(text.utf8))
                == .refused(status: 404, reason: #"Evolution answered 404: The "sales" instance does not exist"#))
        guard case .retry = SendText.outcome(status: 500, body: Array("oops".utf8)) else {
            Issue.record("500 is retried")
            return
        }
        guard case .retry = SendText.outcome(status: 429, body: []) else {
            Issue.record("429 is retried")
            return
        }
        guard case .retry = SendText.outcome(status: 201, body: Array("{}".utf8)) else {
            Issue.record("an answer without an id is retried")
            return
        }
    }

    @Test("phone numbers never reach a reason")
    func masking() {
        #expect(SendText.maskDigits("number 5511987654321 at 12:30") == "number *** at 12:30")
    }

    @Test("settings: defaults, names as in seed 004, the send URL")
    func settings() throws {
        let parsed = EvolutionSettings(
            settings: [
                "evolution_url": "http://evolution.local:8080/", "evolution_key": "k", "whatsapp_instance": "Loja 1",
                "api_version": "v1", "webhook_jwt_secret": "s", "groups": "answer", "typing_delay_ms": 1500,
            ], instanceName: "acme-wa")
        #expect(parsed.sendTextURL == "http://evolution.local:8080/message/sendText/Loja%201")
        #expect(parsed.apiVersion == .v1 && parsed.groups == .answer && parsed.typingDelayMs == 1500)
        let defaults = EvolutionSettings(settings: ["evolution_url": "http://e"], instanceName: "acme-wa")
        #expect(defaults.apiVersion == .v2 && defaults.groups == .ignore && defaults.typingDelayMs == 0)
        #expect(defaults.sendTextURL == "http://e/message/sendText/acme-wa", "the instance name by default")
        #expect(EvolutionSettings(settings: [:], instanceName: "x").sendTextURL == nil)
    }

    @Test("channel state: the connection, the latest QR until the phone is paired, kept across restarts")
    func channelState() {
        var state = ChannelState()
        #expect(state.json["connection"]?.stringValue == "unknown")
        state.apply(ConnectionUpdate(state: "connecting", reason: 200), at: "t1")
        state.apply(QRCode(code: "2@abc", base64: "data:image/png;base64,AAA"), at: "t2")
        #expect(state.json["connection"]?.stringValue == "connecting")
        #expect(state.json["qr"]?["code"]?.stringValue == "2@abc")
        #expect(ChannelState(json: state.json) == state, "round trip")
        state.apply(ConnectionUpdate(state: "open", reason: 200, profileName: "Loja Acme"), at: "t3")
        #expect(state.json["qr"] == .null && state.json["profile_name"]?.stringValue == "Loja Acme")
        #expect(state.json["updated_at"]?.stringValue == "t3")
        state.apply(QRCode(error: "QR code limit reached, please login again"), at: "t4")
        #expect(state.json["qr_error"]?.stringValue == "QR code limit reached, please login again")
        #expect(ChannelState(json: state.json) == state)
    }
}
