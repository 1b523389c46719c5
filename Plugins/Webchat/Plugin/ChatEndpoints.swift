import SwitchboardSDK
import WebchatCore

/// `POST /chat`, `GET /chat/{session_id}/history`, `DELETE /chat/{session_id}`.
extension WebchatInstance {
    /// Sessions live this long after their last message.
    static let sessionTTLMs: UInt64 = 30 * 24 * 3600 * 1000

    /// Take a message: check it, count it, store it, then wait for the reply (streamed or whole).
    func chat(_ request: HTTPRequest, _ response: HTTPResponder, cors: [HTTPHeader]) throws -> ResponseDisposition {
        let chat = try ChatRequest(body: request.body, limits: settings.limits)
        let client = settings.clientAddress(
            remote: request.remoteAddress, forwardedFor: request.header("x-forwarded-for"))
        let tenant = context.config.tenant
        try limiter.withLock { (limiter: inout RateLimiter) throws(WebchatError) in
            try limiter.admit(tenant: tenant, client: client, limits: settings.rates, nowMs: Monotonic.nowMs)
        }
        let session = try chat.sessionID.map(existingSession) ?? SessionID.generate()
        try context.kv.put(Self.sessionKey(session), "1", ttlMs: Self.sessionTTLMs)
        var random = SystemRandomNumberGenerator()
        let externalID = "wc_" + String(random.next() as UInt64, radix: 16) + String(random.next() as UInt64, radix: 16)
        // Always streamed from the host: a JSON answer needs the agent's failures too (they come only
        // as reply events); its waiter ignores the pieces.
        let receipt = try context.deliverInbound(
            InboundMessage(externalID: externalID, from: session.rawValue, text: chat.message, stream: true))
        context.metrics.counter("webchat_messages_total")
        let started = FinishedReply(sessionID: session, reply: nil, messageID: nil, replyTo: receipt.messageID)
        if chat.stream {
            let stream = try response.openStream(
                status: 200,
                headers: cors + [
                    HTTPHeader("content-type", "text/event-stream; charset=utf-8"),
                    HTTPHeader("cache-control", "no-store"), HTTPHeader("x-accel-buffering", "no"),
                ])
            try stream.write(
                ServerSentEvent(
                    .session, ["session_id": .string(session.rawValue), "message_id": .string(receipt.messageID)]
                ).encoded)
            guard receipt.replyQueued else {
                try? stream.write(ServerSentEvent.done(started).encoded)
                stream.close()
                return .answered
            }
            wait(ReplyWaiter(.stream(stream), sessionID: session, replyTo: receipt.messageID))
            return .answered
        }
        guard receipt.replyQueued else {
            try response.send(status: 202, json: started.json, headers: cors)
            return .answered
        }
        wait(ReplyWaiter(.json(response, cors: cors), sessionID: session, replyTo: receipt.messageID))
        return .pending
    }

    /// `GET /chat/{session_id}/history`: the newest 100 messages, oldest first.
    func history(_ request: HTTPRequest, _ response: HTTPResponder, cors: [HTTPHeader]) throws -> ResponseDisposition {
        let session = try existingSession(try Self.sessionSegment(request.path))
        let page = try context.conversationHistory(contact: session.rawValue, limit: 100)
        let messages = page.messages.map { message -> JSONValue in
            [
                "id": .string(message.id), "role": .string(message.direction == .inbound ? "visitor" : message.author),
                "text": .string(message.text), "created_at": .integer(message.createdAt),
            ]
        }
        try response.send(
            status: 200, json: ["session_id": .string(session.rawValue), "messages": .array(messages)],
            headers: cors + [HTTPHeader("cache-control", "no-store")])
        return .answered
    }

    /// `DELETE /chat/{session_id}`: erase the session and its messages.
    func forget(_ request: HTTPRequest, _ response: HTTPResponder, cors: [HTTPHeader]) throws -> ResponseDisposition {
        let session = try existingSession(try Self.sessionSegment(request.path))
        try context.forgetContact(session.rawValue)
        try context.kv.delete(Self.sessionKey(session))
        try response.send(status: 204, headers: cors)
        return .answered
    }

    /// A session this server issued and that still exists.
    func existingSession(_ session: SessionID) throws -> SessionID {
        guard try context.kv.get(Self.sessionKey(session)) != nil else {
            throw WebchatError(
                status: 404, code: .sessionNotFound, "no such session (it expired or was deleted)",
                field: "session_id")
        }
        return session
    }

    static func sessionKey(_ session: SessionID) -> String { "session/" + session.rawValue }

    /// The `{session_id}` of `/chat/{session_id}…`, checked for format.
    static func sessionSegment(_ path: String) throws(WebchatError) -> SessionID {
        let segments = path.split(separator: "/")
        guard segments.count >= 2, let id = SessionID(String(segments[1])) else {
            throw WebchatError(
                status: 422, code: .invalidField, "the path does not name a session id", field: "session_id")
        }
        return id
    }
}
