import SwitchboardSDK
import Testing

@testable import SMSCore

@Suite("SMS core: quarantine and sitter lifecycles")
struct SMSLifecycleTests {
    static let day = QuarantinePeriod.dayMillis

    @Test("durations: 1, 3, 7, 14, 30, 90 or custom days; 90 by default; anything else names the field")
    func durations() throws {
        for days in QuarantinePeriod.choices {
            #expect(try QuarantineRequest.parse(["durationDays": .integer(Int64(days)), "reason": "r"]).days == days)
            #expect(try QuarantineRequest.parse(["duration": .string(String(days)), "reason": "r"]).days == days)
        }
        #expect(try QuarantineRequest.parse(["reason": "r"]).days == 90)
        #expect(try QuarantineRequest.parse(["duration": "custom", "customDays": 45, "reason": "r"]).days == 45)
        let cases: [(JSONValue, String)] = [
            (["durationDays": 5, "reason": "r"], "durationDays"), (["duration": "2", "reason": "r"], "duration"),
            (["duration": "custom", "reason": "r"], "customDays"), (["duration": "custom", "customDays": 0, "reason": "r"], "customDays"),
            (["durationDays": 7], "reason"), (["durationDays": 7, "reason": " "], "reason"),
        ]
        for (body, field) in cases {
            do {
                _ = try QuarantineRequest.parse(body)
                Issue.record("accepted \(body)")
            } catch { #expect(error.field == field && error.status == 422, "\(body)") }
        }
    }

    @Test("restore now needs forceRestore: true and a restoreReason")
    func restoreRequest() throws {
        #expect(try RestoreRequest.parse(["forceRestore": true, "restoreReason": "cleared"]).reason == "cleared")
        for (body, field) in [(["forceRestore": true] as JSONValue, "restoreReason"), (["forceRestore": true, "restoreReason": ""], "restoreReason"), (["restoreReason": "x"], "forceRestore"), (["forceRestore": false, "restoreReason": "x"], "forceRestore")] {
            do {
                _ = try RestoreRequest.parse(body)
                Issue.record("accepted \(body)")
            } catch { #expect(error.field == field) }
        }
    }

    @Test("quarantine, expiry, restore and release change the number and write an audit entry each")
    func numberLifecycle() throws {
        let now = World.now
        let q = try NumberLifecycle.quarantine(World.pool2, days: 7, reason: "spam", actor: "ops", now: now)
        #expect(q.number.status == .quarantined && q.number.quarantineUntil == now + 7 * Self.day && !q.number.isRoutable)
        #expect(q.audit == AuditEntry(actor: "ops", action: "number.quarantine", subject: "number:2", before: World.pool2.json, after: q.number.json, reason: "spam", at: now))
        #expect(NumberLifecycle.expire(q.number, now: now + 7 * Self.day - 1) == nil, "still quarantined a moment before the end")
        let back = try #require(NumberLifecycle.expire(q.number, now: now + 7 * Self.day))
        #expect(back.number.status == .active && back.number.quarantineUntil == nil && back.audit.actor == "system")
        #expect(back.audit.action == "number.quarantine_ended")
        let restored = try NumberLifecycle.restore(q.number, reason: "cleared", actor: "ops", now: now + 1)
        #expect(restored.number.isRoutable && restored.audit.reason == "cleared" && restored.audit.action == "number.restore")
        #expect(throws: FieldError.self) { try NumberLifecycle.restore(World.pool2, reason: "x", actor: "ops", now: now) }
        let released = try NumberLifecycle.release(World.samNumber, reason: nil, actor: "ops", now: now)
        #expect(released.number.status == .released && released.number.assignedSitterID == nil)
        #expect(throws: FieldError.self) { try NumberLifecycle.release(released.number, reason: nil, actor: "ops", now: now) }
        #expect(throws: FieldError.self) { try NumberLifecycle.quarantine(released.number, days: 1, reason: "r", actor: "ops", now: now) }
    }

    @Test("activation assigns a free sitter number once and keeps it; deactivation holds it, then quarantine takes it")
    func sitterLifecycle() throws {
        let now = World.now
        let fresh = Sitter(id: 9, name: "Kim", personalPhone: "+14155550109")
        let free = [MaskedNumber(id: 21, e164: "+15550000021", role: .sitter), MaskedNumber(id: 20, e164: "+15550000020", role: .sitter), World.pool2]
        let activated = try SitterLifecycle.activate(fresh, current: nil, free: free, actor: "ops", now: now)
        #expect(activated.sitter.active && activated.sitter.numberID == 20 && activated.number?.assignedSitterID == 9)
        #expect(activated.audits.map(\.action) == ["sitter.activate", "number.assign"])
        let again = try SitterLifecycle.activate(activated.sitter, current: activated.number, free: free, actor: "ops", now: now + 1)
        #expect(again.sitter.numberID == 20 && again.number == nil && again.audits.isEmpty, "activating twice changes nothing")
        #expect(throws: FieldError.self) { try SitterLifecycle.activate(fresh, current: nil, free: [World.pool2], actor: "ops", now: now) }

        let off = SitterLifecycle.deactivate(activated.sitter, current: activated.number, holdMillis: 30 * Self.day, actor: "ops", now: now)
        #expect(!off.sitter.active && off.number?.holdUntil == now + 30 * Self.day && off.number?.isRoutable == false)
        #expect(off.audits.map(\.action) == ["sitter.deactivate", "number.hold"])
        let twice = SitterLifecycle.deactivate(off.sitter, current: off.number, holdMillis: 30 * Self.day, actor: "ops", now: now + 5)
        #expect(twice.audits.isEmpty && twice.number == nil, "deactivating again changes nothing and logs nothing")
        let back = try SitterLifecycle.activate(off.sitter, current: off.number, free: free, actor: "ops", now: now + 1)
        #expect(back.sitter.numberID == 20 && back.number?.holdUntil == nil, "reactivated during the hold: the same number")
        #expect(back.audits.map(\.action) == ["sitter.activate", "number.hold_cancelled"])
        let number = try #require(off.number)
        #expect(NumberLifecycle.endHold(number, days: 90, now: now + 30 * Self.day - 1) == nil)
        let ended = try #require(NumberLifecycle.endHold(number, days: 90, now: now + 30 * Self.day))
        #expect(ended.number.status == .quarantined && ended.number.assignedSitterID == nil && ended.number.holdUntil == nil)
        #expect(ended.audit.action == "number.hold_ended" && ended.audit.before == number.json)
    }
}
