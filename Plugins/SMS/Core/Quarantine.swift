import SwitchboardSDK

/// How long a number stays quarantined.
public enum QuarantinePeriod {
    /// The durations offered besides a custom number of days.
    public static let choices = [1, 3, 7, 14, 30, 90]
    public static let defaultDays = 90
    /// The longest custom period.
    public static let maxCustomDays = 3650
    public static let dayMillis: Millis = 86_400_000
}

/// A quarantine request: `durationDays` one of the choices, or `duration: "custom"` with `customDays`.
public struct QuarantineRequest: Sendable, Equatable {
    public var days: Int
    public var reason: String

    public init(days: Int, reason: String) {
        self.days = days
        self.reason = reason
    }

    /// Parse `{"durationDays": 7, "reason": "..."}` or `{"duration": "custom", "customDays": 45, "reason": "..."}`.
    public static func parse(_ body: JSONValue) throws(FieldError) -> QuarantineRequest {
        let reason = try Fields.requiredText(body, "reason")
        let duration = body["duration"]
        if let duration, !duration.isNull, duration.stringValue == "custom" {
            guard let days = body["customDays"]?.intValue, (1...Int64(QuarantinePeriod.maxCustomDays)).contains(days)
            else { throw FieldError(field: "customDays", "must be a whole number of days from 1 to 3650") }
            return QuarantineRequest(days: Int(days), reason: reason)
        }
        let given = body["durationDays"] ?? duration.flatMap { $0.isNull ? nil : $0 }
        guard let given, !given.isNull else { return QuarantineRequest(days: QuarantinePeriod.defaultDays, reason: reason) }
        let days = given.intValue ?? given.stringValue.flatMap { Int64($0) }
        guard let days, QuarantinePeriod.choices.contains(Int(days)) else {
            throw FieldError(
                field: body["durationDays"] != nil ? "durationDays" : "duration",
                "must be one of 1, 3, 7, 14, 30, 90, or \"custom\" with customDays")
        }
        return QuarantineRequest(days: Int(days), reason: reason)
    }
}

/// "Restore now": needs `forceRestore: true` and a `restoreReason`.
public struct RestoreRequest: Sendable, Equatable {
    public var reason: String

    public static func parse(_ body: JSONValue) throws(FieldError) -> RestoreRequest {
        guard body["forceRestore"]?.boolValue == true else {
            throw FieldError(field: "forceRestore", "must be true to restore a number before its quarantine ends")
        }
        guard let reason = body["restoreReason"]?.stringValue?.trimmed, !reason.isEmpty else {
            throw FieldError(field: "restoreReason", "is required when forceRestore is true")
        }
        return RestoreRequest(reason: reason)
    }
}

/// The transitions of a number's status, each with its audit entry.
public enum NumberLifecycle {
    /// Quarantine for `days` from `now`: never routed until then.
    public static func quarantine(
        _ number: MaskedNumber, days: Int, reason: String, actor: String, now: Millis, action: String = "number.quarantine"
    ) throws(FieldError) -> NumberChange {
        guard number.status != .released else { throw FieldError(.conflict, field: "status", "a released number cannot be quarantined") }
        var after = number
        after.status = .quarantined
        after.quarantineUntil = now + Millis(days) * QuarantinePeriod.dayMillis
        after.quarantineReason = reason
        after.holdUntil = nil
        return change(number, after, actor: actor, action: action, reason: reason, now: now)
    }

    /// Restore now (before the quarantine ends).
    public static func restore(_ number: MaskedNumber, reason: String, actor: String, now: Millis) throws(FieldError)
        -> NumberChange
    {
        guard number.status == .quarantined else {
            throw FieldError(.conflict, field: "status", "only a quarantined number can be restored (it is \(number.status.rawValue))")
        }
        return change(number, returned(number), actor: actor, action: "number.restore", reason: reason, now: now)
    }

    /// The quarantine period has ended: back in service (nil when nothing is due).
    public static func expire(_ number: MaskedNumber, now: Millis) -> NumberChange? {
        guard number.status == .quarantined, let until = number.quarantineUntil, until <= now else { return nil }
        return change(number, returned(number), actor: "system", action: "number.quarantine_ended", reason: nil, now: now)
    }

    /// A held number (deactivated sitter) whose hold has ended: unassigned and quarantined.
    public static func endHold(_ number: MaskedNumber, days: Int, now: Millis) -> NumberChange? {
        guard let until = number.holdUntil, until <= now, number.status == .active else { return nil }
        var held = number
        held.assignedSitterID = nil
        return try? quarantine(
            held, days: days, reason: "sitter deactivated; hold period ended", actor: "system", now: now,
            action: "number.hold_ended")
            .withBefore(number)
    }

    /// Release the number back to the carrier: never routed again.
    public static func release(_ number: MaskedNumber, reason: String?, actor: String, now: Millis) throws(FieldError)
        -> NumberChange
    {
        guard number.status != .released else { throw FieldError(.conflict, field: "status", "the number is already released") }
        var after = number
        after.status = .released
        after.assignedSitterID = nil
        after.holdUntil = nil
        after.quarantineUntil = nil
        return change(number, after, actor: actor, action: "number.release", reason: reason, now: now)
    }

    private static func returned(_ number: MaskedNumber) -> MaskedNumber {
        var after = number
        after.status = .active
        after.quarantineUntil = nil
        after.quarantineReason = nil
        return after
    }

    static func change(
        _ before: MaskedNumber, _ after: MaskedNumber, actor: String, action: String, reason: String?, now: Millis
    ) -> NumberChange {
        NumberChange(
            number: after,
            audit: AuditEntry(
                actor: actor, action: action, subject: "number:\(before.id)", before: before.json, after: after.json,
                reason: reason, at: now))
    }
}

extension NumberChange {
    func withBefore(_ number: MaskedNumber) -> NumberChange {
        var copy = self
        copy.audit.before = number.json
        return copy
    }
}
