import SwitchboardSDK
import Testing

@testable import EvolutionCore

/// From webhook fixtures to decisions.
@Suite("Evolution decisions")
struct InterpreterTests {
    static func decide(
        _ body: String, groups: GroupPolicy = .ignore, ours: @escaping (EchoProbe) -> Bool = { _ in false }
    ) throws -> Decision {
        let envelope = try WebhookEnvelope.parse(Array(body.utf8))
        let decisions = WebhookInterpreter(groups: groups).decide(envelope, isOwnMessage: ours)
        try #require(decisions.count == 1)
        return decisions[0]
    }

    static func inbound(_ decision: Decision) -> InboundText? {
        if case .ingest(let inbound) = decision { return inbound }
        return nil
    }

    @Test("2.x text: the number, the name, the text, the time")
    func text() throws {
        let inbound = try #require(Self.inbound(try Self.decide(EvolutionFixtures.text2x)))
        #expect(inbound.externalID == "3EB0C431C26A1916E5C9")
        #expect(inbound.from == "5511987654321")
        #expect(inbound.fromName == "Ana Souza")
        #expect(inbound.text == "Oi, vocês abrem no domingo?")
        #expect(inbound.timestamp == 1_764_674_000)
        #expect(inbound.metadata["lid"]?.stringValue == "218404127010817@lid")
        #expect(inbound.message(fromHuman: false).json["from_human"] == nil)
    }

    @Test("1.8 extended text")
    func extendedText() throws {
        let inbound = try #require(Self.inbound(try Self.decide(EvolutionFixtures.extendedText18)))
        #expect(inbound.text == "Vi este produto: https://loja.example/p/42")
        #expect(inbound.metadata["message_type"]?.stringValue == "extendedTextMessage")
    }

    @Test("LID chats reach the phone number's conversation")
    func lid() throws {
        #expect(try Self.inbound(try Self.decide(EvolutionFixtures.lid))?.from == "5511987654321")
        #expect(try Self.inbound(try Self.decide(EvolutionFixtures.lidSenderPn))?.from == "5511987654321")
        #expect(try Self.inbound(try Self.decide(EvolutionFixtures.lidOnly))?.from == "218404127010817@lid")
    }

    @Test("groups are ignored unless groups = answer; then the group is the contact")
    func group() throws {
        #expect(try Self.decide(EvolutionFixtures.group) == .ignore("group message (groups = ignore)"))
        let inbound = try #require(Self.inbound(try Self.decide(EvolutionFixtures.group, groups: .answer)))
        #expect(inbound.from == "120363025246125888@g.us")
        #expect(inbound.metadata["participant"]?.stringValue == "5511987654321")
    }

    @Test("status broadcasts are ignored")
    func status() throws {
        #expect(try Self.decide(EvolutionFixtures.statusBroadcast) == .ignore("status broadcast"))
    }

    @Test("a caption is the text; the media is described, never copied")
    func media() throws {
        let image = try #require(Self.inbound(try Self.decide(EvolutionFixtures.imageCaption)))
        #expect(image.text == "Este modelo tem em azul?")
        #expect(image.attachments == [["type": "image", "mime_type": "image/jpeg", "size": 48213]])
        let document = try #require(Self.inbound(try Self.decide(EvolutionFixtures.documentCaption)))
        #expect(document.text == "Segue a nota")
        #expect(document.attachments.first?["name"]?.stringValue == "nota-fiscal.pdf")
    }

    @Test("reactions carry nothing to answer")
    func reaction() throws {
        #expect(try Self.decide(EvolutionFixtures.reaction) == .ignore("reactionMessage carries no text"))
    }

    @Test("fromMe typed on the phone is a human reply; our own message is an echo")
    func fromMe() throws {
        guard case .humanReply(let human) = try Self.decide(EvolutionFixtures.fromMePhone) else {
            Issue.record("not a human reply")
            return
        }
        #expect(human.from == "5511987654321" && human.fromName == nil)
        #expect(human.message(fromHuman: true).json["from_human"] == true)
        let echo = try Self.decide(EvolutionFixtures.ownEcho()) { $0.id == "BAE5F0A1B2C3D4E5" }
        #expect(echo == .ownEcho(id: "BAE5F0A1B2C3D4E5"))
        var probe: EchoProbe?
        let early = try Self.decide(EvolutionFixtures.ownEcho(id: "BAE5EARLY")) {
            probe = $0
            return false
        }
        #expect(probe?.contact == "5511987654321" && probe?.text == "Olá! Abrimos aos domingos das 9h às 13h.")
        guard case .humanReply = early else {
            Issue.record("send.message of someone else's send is a human reply")
            return
        }
    }

    @Test("messages.update: 2.x names and 1.8 ids and numbers map to forward statuses")
    func updates() throws {
        #expect(try Self.decide(EvolutionFixtures.update2x()) == .status(externalID: "BAE5F0A1B2C3D4E5", .delivered))
        #expect(try Self.decide(EvolutionFixtures.update2x(status: "READ")) == .status(externalID: "BAE5F0A1B2C3D4E5", .read))
        #expect(try Self.decide(EvolutionFixtures.update18()) == .status(externalID: "BAE5F0A1B2C3D4E5", .read))
        #expect(try Self.decide(EvolutionFixtures.update18(status: "3")) == .status(externalID: "BAE5F0A1B2C3D4E5", .delivered))
        guard case .ignore = try Self.decide(EvolutionFixtures.update2x(status: "PENDING")) else {
            Issue.record("PENDING changes nothing")
            return
        }
        let mapping: [(JSONValue, DeliveryStatus?)] = [
            ("SERVER_ACK", .sent), ("DELIVERY_ACK", .delivered), ("READ", .read), ("PLAYED", .read),
            ("ERROR", .failed), ("PENDING", nil), ("DELETED", nil), (2, .sent), (4, .read), (5, .read), (9, nil),
        ]
        for (value, status) in mapping { #expect(EvolutionStatus.delivery(value) == status, "\(value)") }
    }

    @Test("connection and QR events")
    func connection() throws {
        #expect(
            try Self.decide(EvolutionFixtures.connectionOpen)
                == .connection(ConnectionUpdate(state: "open", reason: 200, profileName: "Loja Acme", number: "5511900000000")))
        #expect(try Self.decide(EvolutionFixtures.connectionClose) == .connection(ConnectionUpdate(state: "close", reason: 401)))
        guard case .qr(let code) = try Self.decide(EvolutionFixtures.qrcode) else {
            Issue.record("no QR")
            return
        }
        #expect(code.code?.hasPrefix("2@") == true && code.base64?.hasPrefix("data:image/png;base64,") == true)
        #expect(try Self.decide(EvolutionFixtures.qrcodeLimit) == .qr(QRCode(error: "QR code limit reached, please login again")))
    }

    @Test("unknown events are ignored; broken items are rejected with the field")
    func rejections() throws {
        #expect(try Self.decide(EvolutionFixtures.envelope("contacts.upsert", "[{}]")) == .ignore("event contacts.upsert is not handled"))
        let cases = [
            (EvolutionFixtures.envelope("messages.upsert", #"{"message":{}}"#), "data.key"),
            (EvolutionFixtures.envelope("messages.upsert", #"{"key":{"remoteJid":"x@s.whatsapp.net"}}"#), "data.key.id"),
            (EvolutionFixtures.envelope("messages.upsert", #"{"key":{"id":"1","remoteJid":"nobody"}}"#), "data.key.remoteJid"),
            (EvolutionFixtures.envelope("messages.update", #"{"status":"READ"}"#), "data.keyId"),
            (EvolutionFixtures.envelope("connection.update", #"{"instance":"sales"}"#), "data.state"),
            (EvolutionFixtures.envelope("qrcode.updated", #"{"qrcode":{}}"#), "data.qrcode.code"),
        ]
        for (body, field) in cases {
            guard case .reject(let error) = try Self.decide(body) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(error.field == field)
        }
    }
}
