import SMSCore
import SwitchboardSDK

/// The plugin's own durable outbox for relays and staff messages: written before the webhook answers,
/// then sent with retries from timers, so a relay is never lost.
struct Outbox: Sendable {
    /// What a queued text is.
    enum Kind: String {
        /// To a sitter's personal phone from their masked number (fixed at enqueue).
        case toSitter = "to_sitter"
        /// To a client: the from-number is chosen at send time.
        case toClient = "to_client"
        /// Written by staff through the API, to a client.
        case staff
    }

    static let maxAttempts: Int64 = 10
    static let leaseMillis: Millis = 60_000

    let store: Store
    let masking: Masking
    let twilio: TwilioClient
    let log: @Sendable (LogLevel, String) -> Void

    /// Queue a text; false when the id was queued before (a redelivered webhook).
    @discardableResult
    func enqueue(id: String, kind: Kind, to: String, from: String?, thread: Int64?, body: String, now: Millis) throws -> Bool {
        try store.sql.execute(
            """
            INSERT INTO outbox (id, kind, to_phone, from_number, thread_id, body, state, attempts, next_at, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7) ON CONFLICT (id) DO NOTHING
            """,
            [.text(id), .text(kind.rawValue), .text(to), from.map(SQLValue.text) ?? .null, opt(thread), .text(body), .integer(now)]
        ) == 1
    }

    /// Send every due text this caller manages to claim.
    func deliverDue(now: Millis) throws {
        let due = try store.sql.query(
            """
            SELECT id FROM outbox WHERE (state = 'pending' AND next_at <= ?1) OR (state = 'sending' AND lease_until < ?1)
            ORDER BY next_at LIMIT 50
            """, [.integer(now)])
        for row in due.map({ $0.text("id") }) {
            let claimed = try store.sql.execute(
                """
                UPDATE outbox SET state = 'sending', lease_until = ?2, attempts = attempts + 1
                WHERE id = ?1 AND ((state = 'pending' AND next_at <= ?3) OR (state = 'sending' AND lease_until < ?3))
                """, [.text(row), .integer(now + Self.leaseMillis), .integer(now)])
            if claimed == 1 { try attempt(row, now: now) }
        }
    }

    private func attempt(_ id: String, now: Millis) throws {
        let rows = try store.sql.query(
            "SELECT kind, to_phone, from_number, body, attempts FROM outbox WHERE id = ?1", [.text(id)])
        guard let kindText = rows.value(0, "kind")?.stringValue, let kind = Kind(rawValue: kindText),
            let to = rows.value(0, "to_phone")?.stringValue, let body = rows.value(0, "body")?.stringValue
        else { return }
        let attempts = rows.value(0, "attempts")?.intValue ?? 1
        var from = rows.value(0, "from_number")?.stringValue
        if kind != .toSitter {
            from = try masking.routeOutbound(to: to, ref: "outbox:\(id)", now: now).0.from?.e164
        }
        guard let from else { return try retry(id, attempts: attempts, error: "no number to send from", now: now) }
        let outcome = twilio.send(to: to, from: from, body: body)
        switch outcome {
        case .accepted(let sid, let status):
            try store.sql.execute(
                "UPDATE outbox SET state = 'sent', sid = ?2, progress = ?3, from_number = ?4, last_error = NULL WHERE id = ?1",
                [.text(id), .text(sid), .text(status), .text(from)])
        case .refused:
            try store.sql.execute(
                "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE id = ?1", [.text(id), .text(outcome.summary)])
            log(.warning, "outbox \(id): \(outcome.summary)")
        case .retry:
            try retry(id, attempts: attempts, error: outcome.summary, now: now)
        }
    }

    private func retry(_ id: String, attempts: Int64, error: String, now: Millis) throws {
        let failed = attempts >= Self.maxAttempts
        let delay = min(Millis(1000) << min(attempts - 1, 6), 60_000)
        try store.sql.execute(
            "UPDATE outbox SET state = ?2, next_at = ?3, last_error = ?4 WHERE id = ?1",
            [.text(id), .text(failed ? "failed" : "pending"), .integer(now + delay), .text(error)])
        log(failed ? .warning : .info, "outbox \(id) attempt \(attempts): \(error)")
    }

    /// A status callback for a relay; true when the sid is one of ours.
    func statusCallback(sid: String, progress: MessageProgress) throws -> Bool {
        let rows = try store.sql.query("SELECT id, progress FROM outbox WHERE sid = ?1", [.text(sid)])
        guard let id = rows.value(0, "id")?.stringValue else { return false }
        let current = rows.value(0, "progress")?.stringValue.flatMap(MessageProgress.init)
        if MessageProgress.advances(from: current, to: progress) {
            try store.sql.execute(
                "UPDATE outbox SET progress = ?2 WHERE id = ?1 AND coalesce(progress, '') = ?3",
                [.text(id), .text(progress.rawValue), .text(current?.rawValue ?? "")])
        }
        return true
    }

    /// Queued texts, newest first (tenant API).
    func list(thread: Int64?, limit: Int) throws -> [JSONValue] {
        let clause = thread == nil ? "" : "WHERE thread_id = ?2"
        var params: [SQLValue] = [.integer(Int64(limit))]
        if let thread { params.append(.integer(thread)) }
        return try store.sql.query(
            "SELECT id, kind, to_phone, from_number, thread_id, state, attempts, sid, progress, last_error, created_at "
                + "FROM outbox \(clause) ORDER BY created_at DESC, id DESC LIMIT ?1", params
        ).map { r in
            .object([
                (key: "id", value: .string(r.text("id") ?? "")), (key: "kind", value: .string(r.text("kind") ?? "")),
                (key: "to", value: .string(r.text("to_phone") ?? "")),
                (key: "from", value: r.text("from_number").map(JSONValue.string) ?? .null),
                (key: "threadId", value: r.int("thread_id").map(JSONValue.integer) ?? .null),
                (key: "state", value: .string(r.text("state") ?? "")),
                (key: "attempts", value: .integer(r.int("attempts") ?? 0)),
                (key: "sid", value: r.text("sid").map(JSONValue.string) ?? .null),
                (key: "status", value: r.text("progress").map(JSONValue.string) ?? .null),
                (key: "lastError", value: r.text("last_error").map(JSONValue.string) ?? .null),
                (key: "createdAt", value: .string(Timestamp.format(r.int("created_at") ?? 0))),
            ])
        }
    }
}
