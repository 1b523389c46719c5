import SwitchboardSDK

/// A WhatsApp message for the conversation core, as read from a webhook.
public struct InboundText: Sendable, Equatable {
    /// Evolution's `key.id`.
    public var externalID: String
    /// The contact (digits, or a JID for a LID-only contact or a group).
    public var from: String
    public var fromName: String?
    public var text: String
    /// Unix seconds (`messageTimestamp`).
    public var timestamp: Int64?
    public var attachments: [JSONValue]
    /// `remote_jid`, `lid`, `participant`, `message_type`: never secrets.
    public var metadata: JSONValue

    /// The SDK message; `fromHuman` for a person answering on the phone.
    public func message(fromHuman: Bool) -> InboundMessage {
        InboundMessage(
            externalID: externalID, from: from, text: text, fromName: fromName, timestamp: timestamp,
            metadata: metadata, attachments: attachments.isEmpty ? nil : attachments, fromHuman: fromHuman)
    }
}

/// A `connection.update`: the WhatsApp session's state.
public struct ConnectionUpdate: Sendable, Equatable {
    /// `open`, `connecting`, `close` (or `refused` when the QR code limit was reached).
    public var state: String
    /// Evolution's `statusReason` (Baileys' disconnect code; 200 when fine, 401 logged out...).
    public var reason: Int64?
    public var profileName: String?
    /// The connected phone's number (digits of `wuid`).
    public var number: String?
}

/// A `qrcode.updated`: the pairing code an operator scans, or why there is none.
public struct QRCode: Sendable, Equatable {
    /// The raw QR text.
    public var code: String?
    /// A `data:image/png;base64,...` picture of it.
    public var base64: String?
    public var pairingCode: String?
    /// Set when Evolution stopped issuing codes ("QR code limit reached...").
    public var error: String?
}

/// What to do with one item of a webhook.
public enum Decision: Sendable, Equatable {
    /// A contact wrote: store it and let the assistant answer.
    case ingest(InboundText)
    /// Someone on the business side wrote on the phone (or through another API client): store it
    /// as a human reply, which pauses the assistant in that conversation.
    case humanReply(InboundText)
    /// The echo of a message this channel sent: nothing to do.
    case ownEcho(id: String)
    /// Delivery progress of a message this channel sent.
    case status(externalID: String, DeliveryStatus)
    case connection(ConnectionUpdate)
    case qr(QRCode)
    /// Understood and deliberately ignored, with the reason.
    case ignore(String)
    /// Not understood: answer 422 naming the problem.
    case reject(PayloadError)
}

/// A `fromMe` message to check against what this channel sent: its id, or failing that (the
/// echo can arrive before the send's answer) the contact and text of a send in flight.
public struct EchoProbe: Sendable, Equatable {
    public var id: String
    public var contact: String
    public var text: String
    /// The chat is addressed by a LID, so the contact may differ from the address a send used.
    public var lidChat: Bool
}

/// Evolution's message statuses (`status` of `messages.update`), by name or 1.x number.
public enum EvolutionStatus {
    static let names = ["ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED"]

    /// The delivery status it means, or nil for one that changes nothing (PENDING, DELETED...).
    public static func delivery(_ value: JSONValue?) -> DeliveryStatus? {
        guard let value else { return nil }
        let name: String
        if let number = value.intValue {
            guard names.indices.contains(Int(number)) else { return nil }
            name = names[Int(number)]
        } else if let text = value.stringValue {
            name = text.uppercased()
        } else {
            return nil
        }
        switch name {
        case "SERVER_ACK": return .sent
        case "DELIVERY_ACK": return .delivered
        case "READ", "PLAYED": return .read
        case "ERROR": return .failed
        default: return nil
        }
    }
}
