import SMSCore
import SwitchboardSDK

/// The provider's webhooks: inbound texts and status callbacks, both signed with X-Twilio-Signature.
extension SMSInstance {
    /// The form parameters when the signature over public_base_url + path + query matches, else answers 403.
    func verifiedForm(_ request: HTTPRequest, _ response: HTTPResponder) throws -> [(name: String, value: String)]? {
        let params = FormURLEncoded.parse(request.bodyText)
        let url = TwilioSignature.signedURL(publicBase: settings.publicBaseURL, path: request.path, query: request.query)
        guard TwilioSignature.isValid(
            signature: request.header("X-Twilio-Signature"), url: url, params: params, authToken: settings.authToken)
        else {
            context.metrics.counter("sms_signature_rejected")
            try response.send(status: 403, json: ["error": "invalid or missing X-Twilio-Signature", "field": "X-Twilio-Signature"])
            return nil
        }
        return params
    }

    /// POST /webhook/sms/{instance}: route the text, make it durable, then answer TwiML.
    func inbound(_ request: HTTPRequest, _ response: HTTPResponder) throws {
        guard let params = try verifiedForm(request, response) else { return }
        for field in ["MessageSid", "From", "To"] where (params.value(field) ?? "").isEmpty {
            try response.send(status: 400, json: ["error": "missing Twilio parameter", "field": .string(field)])
            return
        }
        let sid = params.value("MessageSid") ?? "", from = params.value("From") ?? "", to = params.value("To") ?? ""
        let body = params.value("Body") ?? ""
        let now = Clock.now()
        let (decision, thread) = try masking.routeInbound(from: from, to: to, ref: "inbound:\(sid)", now: now)
        context.metrics.counter("sms_inbound_\(Masking.name(decision.action))")
        var reply = TwiML.empty
        switch decision.action {
        case .conversation(let client):
            try context.deliverInbound(
                InboundMessage(
                    externalID: sid, from: client.phone, text: body, fromName: client.name, threadKey: thread?.threadKey,
                    metadata: ["channel": "sms", "clientId": .integer(client.id)], attachments: media(params)))
        case .relayToSitter(let sitter, let number, _, let client):
            try outbox.enqueue(
                id: "relay:\(sid)", kind: .toSitter, to: sitter.personalPhone, from: number.e164, thread: thread?.id,
                body: "\(client.name): \(body)\(mediaNote(params))", now: now)
        case .relayToClient(let client, _, _):
            try outbox.enqueue(
                id: "relay:\(sid)", kind: .toClient, to: client.phone, from: nil, thread: thread?.id,
                body: body + mediaNote(params), now: now)
        case .frontDesk(let sitter):
            try store.sql.execute(
                """
                INSERT INTO front_desk_inbox (message_sid, sitter_id, body, trace, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (message_sid) DO NOTHING
                """, [.text(sid), .integer(sitter.id), .text(body), .text(decision.trace), .integer(now)])
        case .unknownSender:
            if !settings.unknownSenderReply.isEmpty { reply = TwiML.message(settings.unknownSenderReply) }
        }
        try response.send(status: 200, text: reply, contentType: "text/xml; charset=utf-8")
        kickOutbox()
    }

    /// MMS media as attachment metadata.
    private func media(_ params: [(name: String, value: String)]) -> [JSONValue]? {
        let count = Int(params.value("NumMedia") ?? "0") ?? 0
        guard count > 0 else { return nil }
        return (0..<min(count, 10)).compactMap { i in
            params.value("MediaUrl\(i)").map { url in
                ["type": "media", "url": .string(url), "mime_type": .string(params.value("MediaContentType\(i)") ?? "")]
            }
        }
    }

    private func mediaNote(_ params: [(name: String, value: String)]) -> String {
        let count = Int(params.value("NumMedia") ?? "0") ?? 0
        return count > 0 ? " [\(count) attachment\(count == 1 ? "" : "s") not relayed]" : ""
    }

    /// POST /webhook/sms/{instance}/status: forward-only, to the host for core messages, to the outbox for relays.
    func statusCallback(_ request: HTTPRequest, _ response: HTTPResponder) throws {
        guard let params = try verifiedForm(request, response) else { return }
        guard let sid = params.value("MessageSid"), !sid.isEmpty else {
            return try response.send(status: 400, json: ["error": "missing Twilio parameter", "field": "MessageSid"])
        }
        guard let progress = (params.value("MessageStatus") ?? params.value("SmsStatus")).flatMap(MessageProgress.init)
        else { return try response.send(status: 400, json: ["error": "unknown message status", "field": "MessageStatus"]) }
        if try !outbox.statusCallback(sid: sid, progress: progress) { try coreStatus(sid: sid, progress: progress, params) }
        try response.send(status: 204)
    }

    private func coreStatus(sid: String, progress: MessageProgress, _ params: [(name: String, value: String)]) throws {
        let rows = try store.sql.query("SELECT message_id, progress FROM sends WHERE sid = ?1", [.text(sid)])
        guard let messageID = rows.value(0, "message_id")?.stringValue else { return }
        let current = rows.value(0, "progress")?.stringValue.flatMap(MessageProgress.init)
        guard MessageProgress.advances(from: current, to: progress) else { return }
        let moved = try store.sql.execute(
            "UPDATE sends SET progress = ?2 WHERE message_id = ?1 AND coalesce(progress, '') = ?3",
            [.text(messageID), .text(progress.rawValue), .text(current?.rawValue ?? "")])
        guard moved == 1, let status = progress.deliveryStatus else { return }
        let detail = params.value("ErrorCode").map { "Twilio error \($0)" } ?? ""
        do {
            try context.reportStatus(externalID: sid, status: status, detail: detail)
        } catch let error as PluginError where error.code == .notFound {
            context.log(.info, "status callback for a message the host does not know")
        }
    }
}
