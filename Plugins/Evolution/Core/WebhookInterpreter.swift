import SwitchboardSDK

/// Turns a parsed webhook into decisions, one per item of `data`. Pure: what this channel sent
/// is asked through `isOwnMessage`.
public struct WebhookInterpreter: Sendable {
    public var groups: GroupPolicy

    public init(groups: GroupPolicy = .ignore) {
        self.groups = groups
    }

    /// The decisions for `envelope`, in order.
    public func decide(_ envelope: WebhookEnvelope, isOwnMessage: (EchoProbe) -> Bool) -> [Decision] {
        envelope.items.map { item in
            guard item.objectMembers != nil else {
                return .reject(PayloadError("invalid_field", field: "data", "items must be objects"))
            }
            switch envelope.event {
            case .messagesUpsert: return message(item, forceFromMe: false, isOwnMessage)
            case .sendMessage: return message(item, forceFromMe: true, isOwnMessage)
            case .messagesUpdate: return update(item)
            case .connectionUpdate: return connection(item)
            case .qrcodeUpdated: return qrcode(item)
            case .other(let name): return .ignore("event \(name) is not handled")
            }
        }
    }

    /// `messages.upsert` (and `send.message`, always our side's): a message in a chat.
    func message(_ item: JSONValue, forceFromMe: Bool, _ isOwnMessage: (EchoProbe) -> Bool) -> Decision {
        guard let key = item["key"], key.objectMembers != nil else {
            return .reject(PayloadError("missing_field", field: "data.key", "is required"))
        }
        guard let id = key["id"]?.stringValue, !id.isEmpty else {
            return .reject(PayloadError("missing_field", field: "data.key.id", "is required"))
        }
        guard let address = ChatAddress.resolve(key: key) else {
            return .reject(PayloadError("invalid_field", field: "data.key.remoteJid", "must be a WhatsApp JID"))
        }
        switch address.chat.kind {
        case .status: return .ignore("status broadcast")
        case .broadcast, .other: return .ignore("broadcast or newsletter message")
        case .group where groups == .ignore: return .ignore("group message (groups = ignore)")
        case .group, .phone, .lid: break
        }
        guard let body = item["message"], body.objectMembers != nil else {
            return .ignore("message without content")
        }
        let content = MessageContent(message: body, messageType: item["messageType"]?.stringValue)
        if ["protocolMessage", "reactionMessage", "pollUpdateMessage"].contains(content.type) {
            return .ignore("\(content.type) carries no text")
        }
        guard !content.text.isEmpty || content.attachment != nil else {
            return .ignore("\(content.type) carries no text")
        }
        let fromMe = forceFromMe || key["fromMe"]?.boolValue == true
        let inbound = InboundText(
            externalID: id, from: address.contact, fromName: fromMe ? nil : item["pushName"]?.stringValue,
            text: content.text, timestamp: MessageContent.number(item["messageTimestamp"]),
            attachments: content.attachment.map { [$0] } ?? [], metadata: Self.metadata(address, content))
        guard fromMe else { return .ingest(inbound) }
        let probe = EchoProbe(
            id: id, contact: address.contact, text: content.text, lidChat: address.chat.kind == .lid)
        if isOwnMessage(probe) { return .ownEcho(id: id) }
        return .humanReply(inbound)
    }

    static func metadata(_ address: ChatAddress, _ content: MessageContent) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "remote_jid", value: .string(address.chat.description)),
            (key: "message_type", value: .string(content.type)),
        ]
        if let lid = address.lid { members.append((key: "lid", value: .string(lid))) }
        if let participant = address.participant { members.append((key: "participant", value: .string(participant))) }
        return .object(members)
    }

    /// `messages.update`: 2.x `{keyId, remoteJid, fromMe, status}`, 1.8 `{id, remoteJid, fromMe, status}`.
    func update(_ item: JSONValue) -> Decision {
        let key = item["key"]
        guard let id = item["keyId"]?.stringValue ?? item["id"]?.stringValue ?? key?["id"]?.stringValue,
            !id.isEmpty
        else {
            return .reject(PayloadError("missing_field", field: "data.keyId", "is required"))
        }
        let remote = item["remoteJid"]?.stringValue ?? key?["remoteJid"]?.stringValue
        if remote.flatMap(JID.init)?.kind == .status { return .ignore("status broadcast") }
        guard (item["fromMe"] ?? key?["fromMe"])?.boolValue == true else {
            return .ignore("update of a received message")
        }
        guard let status = EvolutionStatus.delivery(item["status"]) else {
            return .ignore("status \(item["status"]?.jsonString ?? "missing") changes nothing")
        }
        return .status(externalID: id, status)
    }

    /// `connection.update`: `{instance, state, statusReason, wuid?, profileName?}`.
    func connection(_ item: JSONValue) -> Decision {
        guard let state = item["state"]?.stringValue, !state.isEmpty else {
            return .reject(PayloadError("missing_field", field: "data.state", "is required"))
        }
        return .connection(
            ConnectionUpdate(
                state: state, reason: MessageContent.number(item["statusReason"]),
                profileName: item["profileName"]?.stringValue,
                number: item["wuid"]?.stringValue.flatMap(JID.init)?.phoneNumber))
    }

    /// `qrcode.updated`: `{qrcode: {instance, pairingCode, code, base64}}`, or
    /// `{message, statusCode}` when the QR code limit was reached.
    func qrcode(_ item: JSONValue) -> Decision {
        if let qr = item["qrcode"], qr.objectMembers != nil {
            let code = qr["code"]?.stringValue
            let base64 = qr["base64"]?.stringValue
            guard code != nil || base64 != nil else {
                return .reject(PayloadError("missing_field", field: "data.qrcode.code", "is required"))
            }
            return .qr(QRCode(code: code, base64: base64, pairingCode: qr["pairingCode"]?.stringValue))
        }
        if let message = item["message"]?.stringValue {
            return .qr(QRCode(error: message))
        }
        return .reject(PayloadError("missing_field", field: "data.qrcode", "is required"))
    }
}
