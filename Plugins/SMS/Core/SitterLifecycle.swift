import SwitchboardSDK

/// What activating or deactivating a sitter changes.
public struct SitterChange: Sendable, Equatable {
    public var sitter: Sitter
    /// The sitter's number after the change, when it changed.
    public var number: MaskedNumber?
    public var audits: [AuditEntry]
}

/// Sitter activation assigns a dedicated number once; deactivation holds it, then quarantine takes it.
public enum SitterLifecycle {
    /// Activate: keep the sitter's current number when it is still theirs and usable, else take a free
    /// sitter-role number. `current` is the sitter's assigned number, `free` the unassigned active sitter numbers.
    public static func activate(
        _ sitter: Sitter, current: MaskedNumber?, free: [MaskedNumber], actor: String, now: Millis
    ) throws(FieldError) -> SitterChange {
        var after = sitter
        after.active = true
        var audits: [AuditEntry] = []
        var number: MaskedNumber?
        if let current, current.assignedSitterID == sitter.id, current.status != .released {
            if current.holdUntil != nil {
                var kept = current
                kept.holdUntil = nil
                audits.append(NumberLifecycle.change(current, kept, actor: actor, action: "number.hold_cancelled", reason: "sitter reactivated", now: now).audit)
                number = kept
            }
        } else {
            guard var chosen = free.filter({ $0.role == .sitter && $0.isRoutable && $0.assignedSitterID == nil })
                .min(by: { $0.id < $1.id })
            else { throw FieldError(.conflict, field: "numbers", "no free sitter number to assign; add a number with role \"sitter\"") }
            let before = chosen
            chosen.assignedSitterID = sitter.id
            after.numberID = chosen.id
            audits.append(NumberLifecycle.change(before, chosen, actor: actor, action: "number.assign", reason: "sitter activated", now: now).audit)
            number = chosen
        }
        if !sitter.active || after.numberID != sitter.numberID {
            audits.insert(
                AuditEntry(actor: actor, action: "sitter.activate", subject: "sitter:\(sitter.id)", before: sitter.json, after: after.json, at: now),
                at: 0)
        }
        return SitterChange(sitter: after, number: number, audits: audits)
    }

    /// Deactivate: the number stays assigned but is held for `holdDays`, then quarantined.
    public static func deactivate(
        _ sitter: Sitter, current: MaskedNumber?, holdMillis: Millis, actor: String, now: Millis
    ) -> SitterChange {
        var after = sitter
        after.active = false
        var audits: [AuditEntry] = []
        if sitter.active {
            audits.append(AuditEntry(actor: actor, action: "sitter.deactivate", subject: "sitter:\(sitter.id)", before: sitter.json, after: after.json, at: now))
        }
        var number: MaskedNumber?
        if let current, current.assignedSitterID == sitter.id, current.status == .active, current.holdUntil == nil {
            var held = current
            held.holdUntil = now + holdMillis
            audits.append(NumberLifecycle.change(current, held, actor: actor, action: "number.hold", reason: "sitter deactivated", now: now).audit)
            number = held
        }
        return SitterChange(sitter: after, number: number, audits: audits)
    }
}
