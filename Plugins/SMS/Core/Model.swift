// SMS masking domain rules as plain types: numbers, routing, quarantine, audit, signatures.
// No I/O here: the plugin target does the HTTP and storage.
import SwitchboardSDK

/// Unix time in milliseconds.
public typealias Millis = Int64

/// What a masked number is for.
public enum NumberRole: String, Sendable, CaseIterable {
    case frontDesk = "front_desk"
    case pool
    case sitter
}

/// Whether a number may carry traffic.
public enum NumberStatus: String, Sendable, CaseIterable {
    case active
    case quarantined
    case released
}

/// One of the tenant's masked (provider) numbers.
public struct MaskedNumber: Sendable, Equatable {
    public var id: Int64
    public var e164: String
    public var role: NumberRole
    public var status: NumberStatus
    public var assignedSitterID: Int64?
    public var quarantineUntil: Millis?
    public var quarantineReason: String?
    /// Set while the number of a deactivated sitter is held before quarantine.
    public var holdUntil: Millis?

    public init(
        id: Int64, e164: String, role: NumberRole, status: NumberStatus = .active, assignedSitterID: Int64? = nil,
        quarantineUntil: Millis? = nil, quarantineReason: String? = nil, holdUntil: Millis? = nil
    ) {
        self.id = id
        self.e164 = e164
        self.role = role
        self.status = status
        self.assignedSitterID = assignedSitterID
        self.quarantineUntil = quarantineUntil
        self.quarantineReason = quarantineReason
        self.holdUntil = holdUntil
    }

    /// Active and not held: the router may send from it.
    public var isRoutable: Bool { status == .active && holdUntil == nil }

    /// The number as an API/audit snapshot.
    public var json: JSONValue {
        .object([
            (key: "id", value: .integer(id)), (key: "e164", value: .string(e164)),
            (key: "role", value: .string(role.rawValue)), (key: "status", value: .string(status.rawValue)),
            (key: "assignedSitterId", value: assignedSitterID.map(JSONValue.integer) ?? .null),
            (key: "quarantineUntil", value: quarantineUntil.map { .string(Timestamp.format($0)) } ?? .null),
            (key: "quarantineReason", value: quarantineReason.map(JSONValue.string) ?? .null),
            (key: "holdUntil", value: holdUntil.map { .string(Timestamp.format($0)) } ?? .null),
        ])
    }
}

/// A sitter: a person on the tenant's side with a personal phone that clients never see.
public struct Sitter: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var personalPhone: String
    public var active: Bool
    public var numberID: Int64?

    public init(id: Int64, name: String, personalPhone: String, active: Bool = false, numberID: Int64? = nil) {
        self.id = id
        self.name = name
        self.personalPhone = personalPhone
        self.active = active
        self.numberID = numberID
    }

    public var json: JSONValue {
        .object([
            (key: "id", value: .integer(id)), (key: "name", value: .string(name)),
            (key: "personalPhone", value: .string(personalPhone)), (key: "active", value: .bool(active)),
            (key: "numberId", value: numberID.map(JSONValue.integer) ?? .null),
        ])
    }
}

/// A client of the business.
public struct Client: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var phone: String

    public init(id: Int64, name: String, phone: String) {
        self.id = id
        self.name = name
        self.phone = phone
    }

    public var json: JSONValue {
        .object([(key: "id", value: .integer(id)), (key: "name", value: .string(name)), (key: "phone", value: .string(phone))])
    }
}

/// The one conversation thread of a client.
public struct ConversationThread: Sendable, Equatable {
    public var id: Int64
    public var clientID: Int64
    /// The pool number this thread last used, kept when possible.
    public var poolNumberID: Int64?

    public init(id: Int64, clientID: Int64, poolNumberID: Int64? = nil) {
        self.id = id
        self.clientID = clientID
        self.poolNumberID = poolNumberID
    }

    /// The conversation core's thread key for this thread.
    public var threadKey: String { "thread-\(id)" }
}

/// A booking's lifecycle.
public enum BookingStatus: String, Sendable, CaseIterable {
    case pending
    case confirmed
    case cancelled
}

/// A booking of a sitter for a client; confirmed, it opens an assignment window from start to end.
public struct Booking: Sendable, Equatable {
    public var id: Int64
    public var clientID: Int64
    public var sitterID: Int64
    public var start: Millis
    public var end: Millis
    public var status: BookingStatus

    public init(id: Int64, clientID: Int64, sitterID: Int64, start: Millis, end: Millis, status: BookingStatus = .pending) {
        self.id = id
        self.clientID = clientID
        self.sitterID = sitterID
        self.start = start
        self.end = end
        self.status = status
    }

    /// The assignment window is open at `now`: confirmed, start <= now < end.
    public func windowIsActive(at now: Millis) -> Bool {
        status == .confirmed && start <= now && now < end
    }

    public var json: JSONValue {
        .object([
            (key: "id", value: .integer(id)), (key: "clientId", value: .integer(clientID)),
            (key: "sitterId", value: .integer(sitterID)), (key: "startsAt", value: .string(Timestamp.format(start))),
            (key: "endsAt", value: .string(Timestamp.format(end))), (key: "status", value: .string(status.rawValue)),
        ])
    }
}
