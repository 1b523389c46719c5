import SMSCore
import SwitchboardSDK

extension Store {
    static let bookingColumns = "id, client_id, sitter_id, starts_at, ends_at, status"

    static func booking(_ r: Row) -> Booking? {
        guard let id = r.int("id"), let client = r.int("client_id"), let sitter = r.int("sitter_id"),
            let start = r.int("starts_at"), let end = r.int("ends_at"), let status = r.text("status").flatMap(BookingStatus.init)
        else { return nil }
        return Booking(id: id, clientID: client, sitterID: sitter, start: start, end: end, status: status)
    }

    func bookings(where clause: String = "", _ params: [SQLValue] = []) throws -> [Booking] {
        try sql.query("SELECT \(Self.bookingColumns) FROM bookings \(clause) ORDER BY id", params).map(Self.booking)
    }

    func booking(_ id: Int64) throws -> Booking? { try bookings(where: "WHERE id = ?1", [.integer(id)]).first }

    func insertBooking(_ b: Requests.NewBooking, now: Millis) throws -> Booking {
        let id = try sql.query(
            """
            INSERT INTO bookings (client_id, sitter_id, starts_at, ends_at, status, created_at)
            VALUES (?1, ?2, ?3, ?4, 'pending', ?5) RETURNING id
            """,
            [.integer(b.clientID), .integer(b.sitterID), .integer(b.start), .integer(b.end), .integer(now)]
        ).value(0, "id")?.intValue ?? 0
        return Booking(id: id, clientID: b.clientID, sitterID: b.sitterID, start: b.start, end: b.end)
    }

    /// Move a booking from one status to another; false when it was no longer `from`.
    func setStatus(booking id: Int64, from: BookingStatus, to: BookingStatus, thread: Int64?) throws -> Bool {
        try sql.execute(
            "UPDATE bookings SET status = ?2, thread_id = coalesce(?3, thread_id) WHERE id = ?1 AND status = ?4",
            [.integer(id), .text(to.rawValue), opt(thread), .text(from.rawValue)]) == 1
    }

    /// The client's open windows with their sitters and sitter numbers, in one query.
    func windows(client clientID: Int64, now: Millis) throws -> [AssignmentWindow] {
        let rows = try sql.query(
            """
            SELECT b.id AS id, b.client_id AS client_id, b.sitter_id AS sitter_id, b.starts_at AS starts_at,
                b.ends_at AS ends_at, b.status AS status, s.name AS sitter_name, s.personal_phone AS personal_phone,
                s.active AS sitter_active, s.number_id AS number_id, n.e164 AS e164, n.role AS role,
                n.status AS number_status, n.assigned_sitter_id AS assigned_sitter_id, n.quarantine_until AS quarantine_until,
                n.quarantine_reason AS quarantine_reason, n.hold_until AS hold_until
            FROM bookings b JOIN sitters s ON s.id = b.sitter_id LEFT JOIN numbers n ON n.id = s.number_id
            WHERE b.client_id = ?1 AND b.status = 'confirmed' AND b.starts_at <= ?2 AND b.ends_at > ?2
            ORDER BY b.id
            """, [.integer(clientID), .integer(now)])
        return rows.map { r -> AssignmentWindow? in
            guard let booking = Self.booking(r), let name = r.text("sitter_name"), let phone = r.text("personal_phone") else {
                return nil
            }
            let sitter = Sitter(
                id: booking.sitterID, name: name, personalPhone: phone, active: r.int("sitter_active") == 1,
                numberID: r.int("number_id"))
            var number: MaskedNumber?
            if let id = sitter.numberID, let e164 = r.text("e164"), let role = r.text("role").flatMap(NumberRole.init),
                let status = r.text("number_status").flatMap(NumberStatus.init)
            {
                number = MaskedNumber(
                    id: id, e164: e164, role: role, status: status, assignedSitterID: r.int("assigned_sitter_id"),
                    quarantineUntil: r.int("quarantine_until"), quarantineReason: r.text("quarantine_reason"),
                    holdUntil: r.int("hold_until"))
            }
            return AssignmentWindow(booking: booking, sitter: sitter, number: number)
        }
    }

    /// The sitter's open windows with their clients.
    func windows(sitter sitterID: Int64, now: Millis) throws -> [SitterWindow] {
        let bookings = try bookings(
            where: "WHERE sitter_id = ?1 AND status = 'confirmed' AND starts_at <= ?2 AND ends_at > ?2",
            [.integer(sitterID), .integer(now)])
        return try bookings.compactMap { booking in
            try client(booking.clientID).map { SitterWindow(booking: booking, client: $0) }
        }
    }

    // MARK: - Audit and traces

    func record(_ entry: AuditEntry) throws {
        try sql.execute(
            """
            INSERT INTO audit_log (actor, action, subject, before_json, after_json, reason, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """,
            [
                .text(entry.actor), .text(entry.action), .text(entry.subject),
                entry.before.isNull ? .null : .text(entry.before.jsonString),
                entry.after.isNull ? .null : .text(entry.after.jsonString), entry.reason.map(SQLValue.text) ?? .null,
                .integer(entry.at),
            ])
    }

    func audit(subject: String?, limit: Int) throws -> [JSONValue] {
        let clause = subject == nil ? "" : "WHERE subject = ?2"
        var params: [SQLValue] = [.integer(Int64(limit))]
        if let subject { params.append(.text(subject)) }
        return try sql.query(
            "SELECT id, actor, action, subject, before_json, after_json, reason, created_at FROM audit_log \(clause) "
                + "ORDER BY id DESC LIMIT ?1", params
        ).map { r in
            .object([
                (key: "id", value: .integer(r.int("id") ?? 0)), (key: "actor", value: .string(r.text("actor") ?? "")),
                (key: "action", value: .string(r.text("action") ?? "")),
                (key: "subject", value: .string(r.text("subject") ?? "")),
                (key: "before", value: r.text("before_json").flatMap { try? JSONValue(parsing: $0) } ?? .null),
                (key: "after", value: r.text("after_json").flatMap { try? JSONValue(parsing: $0) } ?? .null),
                (key: "reason", value: r.text("reason").map(JSONValue.string) ?? .null),
                (key: "at", value: .string(Timestamp.format(r.int("created_at") ?? 0))),
            ])
        }
    }

    /// Store one routing decision.
    func trace(thread: Int64?, direction: String, decision: String, from: String?, ref: String?, text: String, now: Millis)
        throws
    {
        try sql.execute(
            """
            INSERT INTO routing_traces (thread_id, direction, decision, from_number, message_ref, trace, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """,
            [
                opt(thread), .text(direction), .text(decision), from.map(SQLValue.text) ?? .null,
                ref.map(SQLValue.text) ?? .null, .text(text), .integer(now),
            ])
    }

    func traces(thread: Int64?, limit: Int) throws -> [JSONValue] {
        let clause = thread == nil ? "" : "WHERE thread_id = ?2"
        var params: [SQLValue] = [.integer(Int64(limit))]
        if let thread { params.append(.integer(thread)) }
        return try sql.query(
            "SELECT id, thread_id, direction, decision, from_number, message_ref, trace, created_at FROM routing_traces "
                + "\(clause) ORDER BY id DESC LIMIT ?1", params
        ).map { r in
            .object([
                (key: "id", value: .integer(r.int("id") ?? 0)),
                (key: "threadId", value: r.int("thread_id").map(JSONValue.integer) ?? .null),
                (key: "direction", value: .string(r.text("direction") ?? "")),
                (key: "decision", value: .string(r.text("decision") ?? "")),
                (key: "fromNumber", value: r.text("from_number").map(JSONValue.string) ?? .null),
                (key: "messageRef", value: r.text("message_ref").map(JSONValue.string) ?? .null),
                (key: "trace", value: .string(r.text("trace") ?? "")),
                (key: "at", value: .string(Timestamp.format(r.int("created_at") ?? 0))),
            ])
        }
    }
}
