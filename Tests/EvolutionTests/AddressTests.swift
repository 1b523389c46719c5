import SwitchboardSDK
import Testing

@testable import EvolutionCore

/// WhatsApp JIDs: phone numbers, LIDs, groups, status broadcasts.
@Suite("Evolution addressing")
struct AddressTests {
    static func key(_ json: String) throws -> JSONValue { try JSONValue(parsing: json) }

    @Test("JID kinds and numbers")
    func kinds() throws {
        #expect(JID("5511987654321@s.whatsapp.net")?.kind == .phone)
        #expect(JID("5511987654321:12@s.whatsapp.net")?.phoneNumber == "5511987654321", "device suffix dropped")
        #expect(JID("218404127010817@lid")?.kind == .lid)
        #expect(JID("218404127010817@lid")?.phoneNumber == nil)
        #expect(JID("120363025246125888@g.us")?.kind == .group)
        #expect(JID("status@broadcast")?.kind == .status)
        #expect(JID("1234@broadcast")?.kind == .broadcast)
        #expect(JID("120363100000000000@newsletter")?.kind == .broadcast)
        #expect(JID("no-at-sign") == nil && JID("@s.whatsapp.net") == nil && JID("a@b@c") == nil)
    }

    @Test("a phone-addressed chat answers the number; its LID is kept")
    func phone() throws {
        let address = try #require(
            ChatAddress.resolve(
                key: Self.key(#"{"remoteJid":"5511987654321@s.whatsapp.net","remoteJidAlt":"218404127010817@lid"}"#)))
        #expect(address.contact == "5511987654321" && address.phoneNumber == "5511987654321")
        #expect(address.lid == "218404127010817@lid")
    }

    @Test("a LID chat answers the phone number of remoteJidAlt (2.3.x) or senderPn (2.2-2.3.0), else the LID")
    func lid() throws {
        let alt = try #require(
            ChatAddress.resolve(
                key: Self.key(#"{"remoteJid":"218404127010817@lid","remoteJidAlt":"5511987654321@s.whatsapp.net"}"#)))
        #expect(alt.contact == "5511987654321" && alt.lid == "218404127010817@lid")
        let senderPn = try #require(
            ChatAddress.resolve(
                key: Self.key(#"{"remoteJid":"218404127010817@lid","senderPn":"5511987654321@s.whatsapp.net"}"#)))
        #expect(senderPn.contact == "5511987654321")
        let only = try #require(ChatAddress.resolve(key: Self.key(#"{"remoteJid":"218404127010817@lid"}"#)))
        #expect(only.contact == "218404127010817@lid" && only.phoneNumber == nil)
    }

    @Test("a group answers the group; the participant is the writer")
    func group() throws {
        let address = try #require(
            ChatAddress.resolve(
                key: Self.key(
                    #"{"remoteJid":"120363025246125888@g.us","participant":"218404127010817@lid","participantAlt":"5511987654321@s.whatsapp.net"}"#
                )))
        #expect(address.contact == "120363025246125888@g.us")
        #expect(address.participant == "5511987654321")
    }

    @Test("Evolution's number: digits for a phone, a JID as it is")
    func number() {
        #expect(evolutionNumber("+55 11 98765-4321") == "5511987654321")
        #expect(evolutionNumber("218404127010817@lid") == "218404127010817@lid")
        #expect(evolutionNumber("120363025246125888@g.us") == "120363025246125888@g.us")
        #expect(evolutionNumber("no digits") == "")
    }
}
