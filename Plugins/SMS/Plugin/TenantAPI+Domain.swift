import SMSCore
import SwitchboardSDK

/// Numbers, sitters and bookings: each change goes through the core's rules and into the audit log.
extension SMSInstance {
    func numbersAPI(_ route: Route, _ api: APIRequest, now: Millis) throws -> (Int, JSONValue) {
        if route == Routes.numbers {
            try masking.sweep(now: now)
            return (200, ["items": .array(try store.numbers().map(\.json))])
        }
        let body = try api.body()
        let actor = api.actor(body)
        if route == Routes.createNumber {
            let new = try Requests.number(body)
            let number = try store.insertNumber(new.e164, new.role, now: now)
            try store.record(AuditEntry(actor: actor, action: "number.create", subject: "number:\(number.id)", after: number.json, at: now))
            return (201, number.json)
        }
        try masking.sweep(now: now)
        let id = try pathID(api, "numberId")
        guard let number = try store.number(id) else { throw FieldError(.notFound, field: "numberId", "no such number") }
        let change: NumberChange
        switch route {
        case Routes.quarantine:
            let request = try QuarantineRequest.parse(body)
            change = try NumberLifecycle.quarantine(number, days: request.days, reason: request.reason, actor: actor, now: now)
        case Routes.restore:
            let request = try RestoreRequest.parse(body)
            change = try NumberLifecycle.restore(number, reason: request.reason, actor: actor, now: now)
        default:
            change = try NumberLifecycle.release(number, reason: try Fields.optionalText(body, "reason"), actor: actor, now: now)
        }
        var after = try masking.apply(change, from: number)
        if route == Routes.release, let sitterID = number.assignedSitterID, var sitter = try store.sitter(sitterID),
            sitter.numberID == number.id
        {
            sitter.numberID = nil
            try store.update(sitter)
            after = try store.number(id) ?? after
        }
        var json = after.json
        if case .object(var members) = json, route == Routes.restore {
            members.append((key: "forceRestore", value: true))
            members.append((key: "restoreReason", value: .string(change.audit.reason ?? "")))
            json = .object(members)
        }
        return (200, json)
    }

    func sittersAPI(_ route: Route, _ api: APIRequest, now: Millis) throws -> (Int, JSONValue) {
        if route == Routes.sitters { return (200, ["items": .array(try store.sitters().map(\.json))]) }
        let body = try api.body()
        let actor = api.actor(body)
        if route == Routes.createSitter {
            let person = try Requests.person(body, phoneField: "personalPhone")
            let sitter = try store.insertSitter(name: person.name, phone: person.phone, now: now)
            try store.record(AuditEntry(actor: actor, action: "sitter.create", subject: "sitter:\(sitter.id)", after: sitter.json, at: now))
            if body["active"]?.boolValue == true { return (201, try sitterJSON(masking.activate(sitter.id, actor: actor, now: now))) }
            return (201, sitter.json)
        }
        let id = try pathID(api, "sitterId")
        if route == Routes.activate { return (200, try sitterJSON(masking.activate(id, actor: actor, now: now))) }
        return (200, try sitterJSON(masking.deactivate(id, actor: actor, now: now)))
    }

    private func sitterJSON(_ pair: (Sitter, MaskedNumber?)) -> JSONValue {
        guard case .object(var members) = pair.0.json else { return pair.0.json }
        members.append((key: "number", value: pair.1?.json ?? .null))
        return .object(members)
    }

    func bookingsAPI(_ route: Route, _ api: APIRequest, now: Millis) throws -> (Int, JSONValue) {
        if route == Routes.bookings {
            let client = api.query("clientId").flatMap { Int64($0) }
            let items = try client.map { try store.bookings(where: "WHERE client_id = ?1", [.integer($0)]) } ?? store.bookings()
            return (200, ["items": .array(items.map(\.json))])
        }
        let body = try api.body()
        let actor = api.actor(body)
        if route == Routes.createBooking {
            let new = try Requests.booking(body)
            guard try store.client(new.clientID) != nil else { throw FieldError(.notFound, field: "clientId", "no such client") }
            guard try store.sitter(new.sitterID) != nil else { throw FieldError(.notFound, field: "sitterId", "no such sitter") }
            let booking = try store.insertBooking(new, now: now)
            try store.record(AuditEntry(actor: actor, action: "booking.create", subject: "booking:\(booking.id)", after: booking.json, at: now))
            if body["confirmed"]?.boolValue == true { return (201, try transition(booking, to: .confirmed, actor: actor, body: body, now: now)) }
            return (201, try bookingJSON(booking, now: now))
        }
        let id = try pathID(api, "bookingId")
        guard let booking = try store.booking(id) else { throw FieldError(.notFound, field: "bookingId", "no such booking") }
        return (200, try transition(booking, to: route == Routes.confirm ? .confirmed : .cancelled, actor: actor, body: body, now: now))
    }

    /// Confirm or cancel a booking, audited.
    private func transition(_ booking: Booking, to target: BookingStatus, actor: String, body: JSONValue, now: Millis) throws
        -> JSONValue
    {
        let id = booking.id
        guard booking.status != target else { return try bookingJSON(booking, now: now) }
        guard booking.status == .pending || target == .cancelled else {
            throw FieldError(.conflict, field: "status", "a \(booking.status.rawValue) booking cannot be confirmed")
        }
        // Confirming finds or creates the client's one thread; it never touches the sitter's number.
        let thread = target == .confirmed ? try store.thread(forClient: booking.clientID, now: now).id : nil
        guard try store.setStatus(booking: id, from: booking.status, to: target, thread: thread) else {
            throw FieldError(.conflict, field: "status", "the booking changed meanwhile; read it again")
        }
        var after = booking
        after.status = target
        try store.record(
            AuditEntry(
                actor: actor, action: "booking.\(target == .confirmed ? "confirm" : "cancel")", subject: "booking:\(id)",
                before: booking.json, after: after.json, reason: try Fields.optionalText(body, "reason"), at: now))
        return try bookingJSON(after, now: now)
    }

    private func bookingJSON(_ booking: Booking, now: Millis) throws -> JSONValue {
        guard case .object(var members) = booking.json else { return booking.json }
        let thread = try store.threads(clientID: booking.clientID).first
        members.append((key: "threadId", value: thread.map { .integer($0.id) } ?? .null))
        return .object(members)
    }
}
