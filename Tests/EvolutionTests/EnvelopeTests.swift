import SwitchboardSDK
import Testing

@testable import EvolutionCore

/// The webhook envelope and event names, as Evolution 1.8 and 2.x send them.
@Suite("Evolution envelope")
struct EnvelopeTests {
    static func parse(_ text: String, path: String? = nil) throws(PayloadError) -> WebhookEnvelope {
        try WebhookEnvelope.parse(Array(text.utf8), pathEvent: path)
    }

    @Test("the 2.x envelope: event, instance, data, apikey, server_url, date_time, sender")
    func envelope2x() throws {
        let envelope = try Self.parse(EvolutionFixtures.text2x)
        #expect(envelope.event == .messagesUpsert)
        #expect(envelope.instance == "sales")
        #expect(envelope.apiKey == EvolutionFixtures.apiKey)
        #expect(envelope.serverURL == "http://evolution.local:8080")
        #expect(envelope.dateTime == "2026-12-02T11:13:20.123Z")
        #expect(envelope.sender == "5511900000000@s.whatsapp.net")
        #expect(envelope.items.count == 1)
    }

    @Test("1.8 without an exposed apikey")
    func envelope18() throws {
        let envelope = try Self.parse(EvolutionFixtures.update18())
        #expect(envelope.event == .messagesUpdate && envelope.apiKey == nil)
    }

    @Test("every spelling of an event names the same kind")
    func spellings() {
        for name in ["messages.upsert", "MESSAGES_UPSERT", "messages-upsert", "Messages_Upsert"] {
            #expect(EventKind(name: name) == .messagesUpsert, "\(name)")
        }
        #expect(EventKind(name: "CONNECTION_UPDATE") == .connectionUpdate)
        #expect(EventKind(name: "qrcode-updated") == .qrcodeUpdated)
        #expect(EventKind(name: "SEND_MESSAGE") == .sendMessage)
        #expect(EventKind(name: "messages-update") == .messagesUpdate)
        #expect(EventKind(name: "CONTACTS_UPSERT") == .other("contacts.upsert"))
        #expect(EventKind(name: "") == nil)
    }

    @Test("the per-event URL suffix stands in for a missing event and must agree with a present one")
    func pathEvent() throws {
        let body = #"{"instance":"sales","data":{"instance":"sales","state":"open","statusReason":200}}"#
        #expect(try Self.parse(body, path: "connection-update").event == .connectionUpdate)
        do {
            _ = try Self.parse(EvolutionFixtures.text2x, path: "connection-update")
            Issue.record("a mismatch was accepted")
        } catch {
            #expect(error.code == "event_mismatch" && error.field == "event")
        }
        #expect(try Self.parse(EvolutionFixtures.text2x, path: "messages-upsert").event == .messagesUpsert)
    }

    @Test("unreadable bodies name the problem")
    func errors() {
        let cases: [(String, String, String)] = [
            ("not json", "invalid_json", ""),
            ("[1,2]", "invalid_json", ""),
            (#"{"data":{}}"#, "missing_field", "event"),
            (#"{"event":42,"data":{}}"#, "invalid_field", "event"),
            (#"{"event":"messages.upsert"}"#, "missing_field", "data"),
            (#"{"event":"messages.upsert","data":"hello"}"#, "invalid_field", "data"),
        ]
        for (body, code, field) in cases {
            do {
                _ = try Self.parse(body)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.code == code && error.field == field, "\(body): \(error)")
                #expect(error.json["field"]?.stringValue == field)
            }
        }
    }
}
