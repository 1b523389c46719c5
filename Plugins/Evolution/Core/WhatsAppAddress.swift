import SwitchboardSDK

/// A WhatsApp JID (`5511999990000@s.whatsapp.net`, `123456789@lid`, `1203...@g.us`,
/// `status@broadcast`) and what kind of chat it names.
public struct JID: Sendable, Hashable, CustomStringConvertible {
    /// What a JID addresses.
    public enum Kind: Sendable, Equatable {
        /// A phone number (`@s.whatsapp.net`, or the older `@c.us`).
        case phone
        /// WhatsApp's privacy-preserving Linked ID (`@lid`): no phone number in it.
        case lid
        case group
        /// `status@broadcast`: someone's status story.
        case status
        /// Another broadcast list or newsletter.
        case broadcast
        case other
    }

    /// The user part without a device suffix (`5511999990000` of `5511999990000:12@s.whatsapp.net`).
    public let user: String
    /// The server part (`s.whatsapp.net`, `lid`, `g.us`, `broadcast`, ...).
    public let server: String

    /// nil for text without exactly one `@` and a user part.
    public init?(_ text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.user = String(parts[0].split(separator: ":", maxSplits: 1).first ?? parts[0])
        self.server = String(parts[1])
    }

    public var kind: Kind {
        switch server {
        case "s.whatsapp.net", "c.us": .phone
        case "lid": .lid
        case "g.us": .group
        case "broadcast": user == "status" ? .status : .broadcast
        case "newsletter": .broadcast
        default: .other
        }
    }

    /// `user@server`.
    public var description: String { user + "@" + server }

    /// The phone number in digits for a phone JID, else nil.
    public var phoneNumber: String? {
        guard kind == .phone, user.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return user
    }
}

/// Who a message is with, resolved from its `key`.
public struct ChatAddress: Sendable, Equatable {
    /// The chat (`remoteJid`): a person, a group or a broadcast.
    public var chat: JID
    /// The person to answer, as Evolution's `number` accepts it: digits for a phone number,
    /// the whole JID for a LID with no known phone number or for a group.
    public var contact: String
    /// The phone number in digits when one is known (through `remoteJidAlt`/`senderPn` for a LID).
    public var phoneNumber: String?
    /// The LID when WhatsApp addressed the chat by one.
    public var lid: String?
    /// In a group, the participant who wrote (digits when known, else the JID).
    public var participant: String?

    /// Resolve a message key: `remoteJid`, with `remoteJidAlt` (2.3.x), `senderPn` (2.2.x-2.3.0)
    /// and `participant`/`participantAlt`/`participantPn` for groups.
    public static func resolve(key: JSONValue) -> ChatAddress? {
        guard let remote = key["remoteJid"]?.stringValue, let chat = JID(remote) else { return nil }
        let alternatives = ["remoteJidAlt", "senderPn"].compactMap { key[$0]?.stringValue.flatMap(JID.init) }
        switch chat.kind {
        case .phone:
            let lid = alternatives.first { $0.kind == .lid }
            return ChatAddress(
                chat: chat, contact: chat.phoneNumber ?? chat.description, phoneNumber: chat.phoneNumber,
                lid: lid?.description)
        case .lid:
            let phone = alternatives.lazy.compactMap(\.phoneNumber).first
            return ChatAddress(chat: chat, contact: phone ?? chat.description, phoneNumber: phone, lid: chat.description)
        case .group:
            let participants = ["participantAlt", "participantPn", "participant"]
                .compactMap { key[$0]?.stringValue.flatMap(JID.init) }
            let writer = participants.lazy.compactMap(\.phoneNumber).first ?? participants.first?.description
            return ChatAddress(chat: chat, contact: chat.description, participant: writer)
        case .status, .broadcast, .other:
            return ChatAddress(chat: chat, contact: chat.description)
        }
    }
}

/// The `number` Evolution's send endpoints accept for a Switchboard contact address: digits for
/// a phone number (a leading `+`, spaces and dashes removed), a JID as it is.
public func evolutionNumber(_ address: String) -> String {
    if address.contains("@") { return address }
    return String(address.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
}
