import SwitchboardSDK

/// The text and attachment of one WhatsApp `message` object as Evolution forwards it.
public struct MessageContent: Sendable, Equatable {
    /// The text a person wrote: the body, or a media caption ("" when there is none).
    public var text: String
    /// `conversation`, `extendedTextMessage`, `imageMessage`, ...
    public var type: String
    /// Metadata of the media (type, mime type, file name, size); never its bytes.
    public var attachment: JSONValue?

    /// Media message types and the attachment type they become.
    static let media: [(key: String, type: String)] = [
        ("imageMessage", "image"), ("videoMessage", "video"), ("documentMessage", "document"),
        ("audioMessage", "audio"), ("stickerMessage", "sticker"), ("ptvMessage", "video"),
    ]

    /// Wrappers WhatsApp puts around a message (disappearing, view-once, captioned documents).
    static let wrappers = [
        "ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension",
        "documentWithCaptionMessage", "editedMessage",
    ]

    /// Read `message`; `messageType` is Evolution's hint (2.x) for the content key.
    public init(message: JSONValue, messageType: String? = nil) {
        let message = Self.unwrapped(message)
        if let text = message["conversation"]?.stringValue, !text.isEmpty {
            self.init(text: text, type: "conversation", attachment: nil)
            return
        }
        if let text = message["extendedTextMessage"]?["text"]?.stringValue {
            self.init(text: text, type: "extendedTextMessage", attachment: nil)
            return
        }
        for (key, type) in Self.media {
            guard let media = message[key], media.objectMembers != nil else { continue }
            self.init(text: media["caption"]?.stringValue ?? "", type: key, attachment: Self.attachment(type, media))
            return
        }
        let first = message.objectMembers?.first { !["messageContextInfo", "base64", "mediaUrl"].contains($0.key) }
        self.init(text: "", type: messageType ?? first?.key ?? "unknown", attachment: nil)
    }

    public init(text: String, type: String, attachment: JSONValue?) {
        self.text = text
        self.type = type
        self.attachment = attachment
    }

    /// The inner message of known wrappers, however deeply nested.
    static func unwrapped(_ message: JSONValue) -> JSONValue {
        var current = message
        for _ in 0..<4 {
            guard let wrapper = wrappers.lazy.compactMap({ current[$0]?["message"] }).first else { break }
            current = wrapper
        }
        return current
    }

    static func attachment(_ type: String, _ media: JSONValue) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [(key: "type", value: .string(type))]
        if let mime = media["mimetype"]?.stringValue { members.append((key: "mime_type", value: .string(mime))) }
        if let name = media["fileName"]?.stringValue { members.append((key: "name", value: .string(name))) }
        if let size = Self.number(media["fileLength"]) { members.append((key: "size", value: .integer(size))) }
        if let seconds = Self.number(media["seconds"]) { members.append((key: "seconds", value: .integer(seconds))) }
        return .object(members)
    }

    /// An integer, a numeric string, or a protobuf Long `{low, high}` object.
    static func number(_ value: JSONValue?) -> Int64? {
        guard let value else { return nil }
        if let int = value.intValue { return int }
        if let text = value.stringValue { return Int64(text) }
        if let low = value["low"]?.intValue {
            let high = value["high"]?.intValue ?? 0
            return high << 32 | (low & 0xFFFF_FFFF)
        }
        return nil
    }
}
