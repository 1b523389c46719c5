import SMSCore
import SwitchboardSDK

/// One row of a query result, read by column name.
struct Row {
    let rows: QueryRows
    let index: Int

    func int(_ column: String) -> Int64? { rows.value(index, column)?.intValue }
    func text(_ column: String) -> String? { rows.value(index, column)?.stringValue }
}

extension QueryRows {
    /// Every row, mapped.
    func map<T>(_ transform: (Row) throws -> T?) rethrows -> [T] {
        try rows.indices.compactMap { try transform(Row(rows: self, index: $0)) }
    }
}

/// The masking tables, through the instance's tenant-scoped SQL database.
struct Store: Sendable {
    let sql: SQLDatabase

    static let numberColumns =
        "id, e164, role, status, assigned_sitter_id, quarantine_until, quarantine_reason, hold_until"

    static func number(_ r: Row) -> MaskedNumber? {
        guard let id = r.int("id"), let e164 = r.text("e164"), let role = r.text("role").flatMap(NumberRole.init),
            let status = r.text("status").flatMap(NumberStatus.init)
        else { return nil }
        return MaskedNumber(
            id: id, e164: e164, role: role, status: status, assignedSitterID: r.int("assigned_sitter_id"),
            quarantineUntil: r.int("quarantine_until"), quarantineReason: r.text("quarantine_reason"),
            holdUntil: r.int("hold_until"))
    }

    func numbers(where clause: String = "", _ params: [SQLValue] = []) throws -> [MaskedNumber] {
        try sql.query("SELECT \(Self.numberColumns) FROM numbers \(clause) ORDER BY id", params).map(Self.number)
    }

    func number(_ id: Int64) throws -> MaskedNumber? { try numbers(where: "WHERE id = ?1", [.integer(id)]).first }

    func number(e164: String) throws -> MaskedNumber? { try numbers(where: "WHERE e164 = ?1", [.text(e164)]).first }

    func insertNumber(_ e164: String, _ role: NumberRole, now: Millis) throws -> MaskedNumber {
        let id = try sql.query(
            "INSERT INTO numbers (e164, role, status, created_at) VALUES (?1, ?2, 'active', ?3) RETURNING id",
            [.text(e164), .text(role.rawValue), .integer(now)]
        ).value(0, "id")?.intValue ?? 0
        return MaskedNumber(id: id, e164: e164, role: role)
    }

    /// Write a number's mutable columns, only if it still is as `before` says (compare-and-set on status,
    /// assignment and hold). Returns false when another change came first.
    func update(_ after: MaskedNumber, from before: MaskedNumber) throws -> Bool {
        try sql.execute(
            """
            UPDATE numbers SET status = ?2, assigned_sitter_id = ?3, quarantine_until = ?4, quarantine_reason = ?5,
                hold_until = ?6
            WHERE id = ?1 AND status = ?7 AND coalesce(assigned_sitter_id, 0) = ?8 AND coalesce(hold_until, 0) = ?9
                AND coalesce(quarantine_until, 0) = ?10
            """,
            [
                .integer(after.id), .text(after.status.rawValue), opt(after.assignedSitterID), opt(after.quarantineUntil),
                after.quarantineReason.map(SQLValue.text) ?? .null, opt(after.holdUntil), .text(before.status.rawValue),
                .integer(before.assignedSitterID ?? 0), .integer(before.holdUntil ?? 0),
                .integer(before.quarantineUntil ?? 0),
            ]) == 1
    }

    // MARK: - Sitters and clients

    static func sitter(_ r: Row) -> Sitter? {
        guard let id = r.int("id"), let name = r.text("name"), let phone = r.text("personal_phone") else { return nil }
        return Sitter(id: id, name: name, personalPhone: phone, active: r.int("active") == 1, numberID: r.int("number_id"))
    }

    func sitters(where clause: String = "", _ params: [SQLValue] = []) throws -> [Sitter] {
        try sql.query("SELECT id, name, personal_phone, active, number_id FROM sitters \(clause) ORDER BY id", params)
            .map(Self.sitter)
    }

    func sitter(_ id: Int64) throws -> Sitter? { try sitters(where: "WHERE id = ?1", [.integer(id)]).first }

    func insertSitter(name: String, phone: String, now: Millis) throws -> Sitter {
        let id = try sql.query(
            "INSERT INTO sitters (name, personal_phone, active, created_at) VALUES (?1, ?2, 0, ?3) RETURNING id",
            [.text(name), .text(phone), .integer(now)]
        ).value(0, "id")?.intValue ?? 0
        return Sitter(id: id, name: name, personalPhone: phone)
    }

    func update(_ sitter: Sitter) throws {
        try sql.execute(
            "UPDATE sitters SET active = ?2, number_id = ?3 WHERE id = ?1",
            [.integer(sitter.id), .integer(sitter.active ? 1 : 0), opt(sitter.numberID)])
    }

    static func client(_ r: Row) -> Client? {
        guard let id = r.int("id"), let name = r.text("name"), let phone = r.text("phone") else { return nil }
        return Client(id: id, name: name, phone: phone)
    }

    func clients(where clause: String = "", _ params: [SQLValue] = []) throws -> [Client] {
        try sql.query("SELECT id, name, phone FROM clients \(clause) ORDER BY id", params).map(Self.client)
    }

    func client(_ id: Int64) throws -> Client? { try clients(where: "WHERE id = ?1", [.integer(id)]).first }

    func insertClient(name: String, phone: String, now: Millis) throws -> Client {
        let id = try sql.query(
            "INSERT INTO clients (name, phone, created_at) VALUES (?1, ?2, ?3) RETURNING id",
            [.text(name), .text(phone), .integer(now)]
        ).value(0, "id")?.intValue ?? 0
        return Client(id: id, name: name, phone: phone)
    }

    // MARK: - Threads

    /// The client with this phone and their thread if it exists, in one query.
    func clientAndThread(phone: String) throws -> (Client, ConversationThread?)? {
        let rows = try sql.query(
            """
            SELECT c.id AS id, c.name AS name, c.phone AS phone, t.id AS thread_id, t.pool_number_id AS pool_number_id
            FROM clients c LEFT JOIN threads t ON t.client_id = c.id WHERE c.phone = ?1
            """, [.text(phone)])
        guard let row = rows.map({ $0 }).first, let client = Self.client(row) else { return nil }
        let thread = row.int("thread_id").map { ConversationThread(id: $0, clientID: client.id, poolNumberID: row.int("pool_number_id")) }
        return (client, thread)
    }

    /// The client's one thread, created on first use (the UNIQUE (client_id) constraint decides races).
    func thread(forClient clientID: Int64, now: Millis) throws -> ConversationThread {
        if let existing = try threads(clientID: clientID).first { return existing }
        try sql.execute(
            "INSERT INTO threads (client_id, created_at) VALUES (?1, ?2) ON CONFLICT (client_id) DO NOTHING",
            [.integer(clientID), .integer(now)])
        let rows = try sql.query(
            "SELECT id, client_id, pool_number_id FROM threads WHERE client_id = ?1", [.integer(clientID)])
        return ConversationThread(
            id: rows.value(0, "id")?.intValue ?? 0, clientID: clientID,
            poolNumberID: rows.value(0, "pool_number_id")?.intValue)
    }

    func threads(clientID: Int64? = nil) throws -> [ConversationThread] {
        let clause = clientID == nil ? "" : "WHERE client_id = ?1"
        return try sql.query(
            "SELECT id, client_id, pool_number_id FROM threads \(clause) ORDER BY id", clientID.map { [.integer($0)] } ?? []
        ).map { r in
            r.int("id").flatMap { id in r.int("client_id").map { ConversationThread(id: id, clientID: $0, poolNumberID: r.int("pool_number_id")) } }
        }
    }

    func setStickyPool(thread: Int64, number: Int64) throws {
        try sql.execute("UPDATE threads SET pool_number_id = ?2 WHERE id = ?1", [.integer(thread), .integer(number)])
    }

    /// Threads per sticky pool number.
    func poolLoad() throws -> [Int64: Int] {
        var load: [Int64: Int] = [:]
        let rows = try sql.query(
            "SELECT pool_number_id, count(*) AS n FROM threads WHERE pool_number_id IS NOT NULL GROUP BY pool_number_id")
        for r in rows.map({ $0 }) {
            if let id = r.int("pool_number_id") { load[id] = Int(r.int("n") ?? 0) }
        }
        return load
    }
}

/// An optional integer as a SQL value.
func opt(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
