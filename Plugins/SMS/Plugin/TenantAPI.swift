import SMSCore
import SwitchboardSDK

/// The tenant API (`/v1/plugins/sms/{instance}/...`): staff tools. It shows both sides' phones;
/// nothing here is ever seen by a client or a sitter.
extension SMSInstance {
    /// Answer one tenant API route with JSON (errors name the field).
    func tenantAPI(_ route: Route, _ request: HTTPRequest, _ response: HTTPResponder) throws {
        let api = APIRequest(request: request)
        do {
            let (status, json) = try answer(route, api)
            try response.send(status: status, json: json)
        } catch let error as FieldError {
            try response.send(
                status: error.status,
                json: ["error": .string(error.message), "field": .string(error.field), "code": .string(error.code.rawValue)])
        } catch let error as APIError {
            try response.send(status: error.status, json: ["error": .string(error.message), "field": .string(error.field)])
        } catch let error as PluginError where error.code == .conflict {
            try response.send(status: 409, json: ["error": "already exists", "field": .string(conflictField(route)), "code": "conflict"])
        }
    }

    private func conflictField(_ route: Route) -> String {
        switch route {
        case Routes.createNumber: "e164"
        case Routes.createSitter: "personalPhone"
        case Routes.createClient: "phone"
        default: "id"
        }
    }

    private func answer(_ route: Route, _ api: APIRequest) throws -> (Int, JSONValue) {
        let now = Clock.now()
        switch route {
        case Routes.numbers, Routes.createNumber, Routes.quarantine, Routes.release, Routes.restore:
            return try numbersAPI(route, api, now: now)
        case Routes.sitters, Routes.createSitter, Routes.activate, Routes.deactivate:
            return try sittersAPI(route, api, now: now)
        case Routes.bookings, Routes.createBooking, Routes.confirm, Routes.cancel:
            return try bookingsAPI(route, api, now: now)
        case Routes.clients:
            return (200, ["items": .array(try store.clients().map(\.json))])
        case Routes.createClient:
            let body = try api.body()
            let person = try Requests.person(body, phoneField: "phone")
            let client = try store.insertClient(name: person.name, phone: person.phone, now: now)
            try store.record(AuditEntry(actor: api.actor(body), action: "client.create", subject: "client:\(client.id)", after: client.json, at: now))
            return (201, client.json)
        default:
            return try readAPI(route, api, now: now)
        }
    }

    private func readAPI(_ route: Route, _ api: APIRequest, now: Millis) throws -> (Int, JSONValue) {
        let limit = min(max(Int(api.query("limit") ?? "") ?? 100, 1), 500)
        switch route {
        case Routes.threads:
            let client = try api.query("clientId").map { v throws(FieldError) in
                guard let id = Int64(v) else { throw FieldError(field: "clientId", "must be an integer id") }
                return id
            }
            let items = try store.threads(clientID: client).map { t -> JSONValue in
                ["id": .integer(t.id), "clientId": .integer(t.clientID), "threadKey": .string(t.threadKey),
                 "poolNumberId": t.poolNumberID.map(JSONValue.integer) ?? .null]
            }
            return (200, ["items": .array(items)])
        case Routes.threadTraces:
            return (200, ["items": .array(try store.traces(thread: try pathID(api, "threadId"), limit: limit))])
        case Routes.traces:
            let thread = try api.query("threadId").map { v throws(FieldError) in
                guard let id = Int64(v) else { throw FieldError(field: "threadId", "must be an integer id") }
                return id
            }
            return (200, ["items": .array(try store.traces(thread: thread, limit: limit))])
        case Routes.audit:
            return (200, ["items": .array(try store.audit(subject: api.query("subject"), limit: limit))])
        case Routes.messages:
            let thread = api.query("threadId").flatMap { Int64($0) }
            return (200, ["items": .array(try outbox.list(thread: thread, limit: limit))])
        case Routes.sendMessage:
            return try staffMessage(api, now: now)
        case Routes.preview:
            guard let id = api.query("clientId").flatMap({ Int64($0) }), let client = try store.client(id) else {
                throw FieldError(field: "clientId", "must name an existing client")
            }
            let started = Clock.monotonicNanos()
            let record = api.query("record") != "false"
            let (decision, thread) = try masking.routeOutbound(to: client.phone, ref: "preview", now: now, record: record)
            let micros = (Clock.monotonicNanos() - started) / 1000
            return (200, [
                "decisionMicros": .integer(micros),
                "from": decision.from.map { .string($0.e164) } ?? .null, "reason": .string(decision.reason.rawValue),
                "trace": .string(decision.trace), "threadId": thread.map { .integer($0.id) } ?? .null,
            ])
        case Routes.frontDesk:
            let rows = try store.sql.query(
                "SELECT id, message_sid, sitter_id, body, trace, created_at FROM front_desk_inbox ORDER BY id DESC LIMIT ?1",
                [.integer(Int64(limit))])
            let items = rows.map { r -> JSONValue in
                ["id": .integer(r.int("id") ?? 0), "messageSid": .string(r.text("message_sid") ?? ""),
                 "sitterId": r.int("sitter_id").map(JSONValue.integer) ?? .null, "body": .string(r.text("body") ?? ""),
                 "trace": .string(r.text("trace") ?? ""), "at": .string(Timestamp.format(r.int("created_at") ?? 0))]
            }
            return (200, ["items": .array(items)])
        default:
            throw APIError(status: 404, field: "path", message: "no such route")
        }
    }

    /// POST /messages {clientId, body}: a staff text to a client, queued durably; from-number chosen at send time.
    private func staffMessage(_ api: APIRequest, now: Millis) throws -> (Int, JSONValue) {
        let body = try api.body()
        let clientID = try Fields.requiredID(body, "clientId")
        let text = try Fields.requiredText(body, "body")
        guard let client = try store.client(clientID) else { throw FieldError(.notFound, field: "clientId", "no such client") }
        let thread = try store.thread(forClient: client.id, now: now)
        let id = "staff:\(now)-\(UInt32.random(in: 0...UInt32.max))"
        try outbox.enqueue(id: id, kind: .staff, to: client.phone, from: nil, thread: thread.id, body: text, now: now)
        kickOutbox()
        return (202, ["id": .string(id), "threadId": .integer(thread.id), "state": "pending"])
    }

    func pathID(_ api: APIRequest, _ field: String) throws(FieldError) -> Int64 {
        guard let id = api.id else { throw FieldError(field: field, "must be an integer id in the path") }
        return id
    }
}
