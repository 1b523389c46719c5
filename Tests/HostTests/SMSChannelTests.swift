import Foundation
import Testing

@testable import SwitchboardHost

/// The SMS masked-numbers channel: the real libSMS.so in a real host, Twilio faked on loopback.
@Suite("SMS channel")
struct SMSChannelTests {
    static func with(_ label: String, holdDays: Double = 30, _ body: (SMSWorld) async throws -> Void) async throws {
        let fake = FakeTwilio()
        try await StubServer.with(fake.handler) { twilio in
            let world = try await SMSWorld.start(label, fake: fake, twilio: twilio, holdDays: holdDays)
            do {
                try await body(world)
                await world.stop()
            } catch {
                await world.stop()
                throw error
            }
        }
    }

    @Test("seed 002: one thread per client, a sitter keeps one number, the window picks the from-number, the trace explains the fallback, each change audited")
    func sanity() async throws {
        try await Self.with("sms-sanity") { w in
            let (sitter, client, numbers) = try await w.standardSetup()
            let assigned = try #require(try await w.items("/sitters").first?["numberId"] as? Int)
            #expect(assigned == numbers[SMSWorld.sitterNumbers[0]])

            var bookings: [Int] = []
            for day in 1...5 {
                bookings.append(try await w.confirmedBooking(client: client, sitter: sitter, startIn: Double(day) * 86_400, endIn: Double(day) * 86_400 + 3600))
            }
            let threads = try await w.items("/threads?clientId=\(client)")
            #expect(threads.count == 1, "five confirmed bookings, one thread: \(threads)")
            let thread = try #require(threads.first?["id"] as? Int)
            #expect(try await w.items("/bookings?clientId=\(client)").allSatisfy { $0["status"] as? String == "confirmed" })
            #expect(try await w.items("/sitters").first?["numberId"] as? Int == assigned, "confirmations never reassign")
            #expect(try await w.api(.POST, "/sitters/\(sitter)/activate", [:]).json["numberId"] as? Int == assigned)

            // A window that is open now and ends in a few seconds.
            let active = try await w.confirmedBooking(client: client, sitter: sitter, startIn: -60, endIn: 4)
            let during = try await w.api(.POST, "/messages", ["clientId": client, "body": "Sam is on the way"])
            #expect(during.status == 202, "\(during.text)")
            #expect(try await Fixtures.eventually(30) { FakeTwilio.calls(w.twilio).count == 1 })
            let first = try #require(FakeTwilio.calls(w.twilio).first)
            #expect(first.path == "/2010-04-01/Accounts/\(FakeTwilio.accountSID)/Messages.json")
            let basic = "Basic " + Data("\(FakeTwilio.accountSID):\(FakeTwilio.authToken)".utf8).base64EncodedString()
            #expect(first.authorization == basic)
            #expect(first.form["From"] == SMSWorld.sitterNumbers[0] && first.form["To"] == SMSWorld.clientPhone)
            #expect(first.form["Body"] == "Sam is on the way")
            #expect(first.form["StatusCallback"] == "\(FakeTwilio.publicBase)/webhook/sms/desk/status")
            let traces = try await w.items("/threads/\(thread)/traces")
            #expect(traces.first?["fromNumber"] as? String == SMSWorld.sitterNumbers[0])
            #expect((traces.first?["trace"] as? String ?? "").hasPrefix("Active assignment window for sitter Sam (#\(sitter)), booking \(active), until "))

            // After the window ends, the same thread falls back to the pool, and the trace says so.
            #expect(try await Fixtures.eventually(30) {
                (try await w.api(.GET, "/routing/preview?clientId=\(client)").json["trace"] as? String ?? "")
                    .hasPrefix("No active window - using pool number \(SMSWorld.pool)")
            })
            _ = try await w.api(.POST, "/messages", ["clientId": client, "body": "Thanks for booking"])
            #expect(try await Fixtures.eventually(30) { FakeTwilio.calls(w.twilio).count == 2 })
            #expect(FakeTwilio.calls(w.twilio)[1].form["From"] == SMSWorld.pool)
            #expect(try await w.items("/threads?clientId=\(client)").count == 1)

            let actions = try await w.items("/audit?limit=500").compactMap { $0["action"] as? String }
            for action in ["number.create", "sitter.create", "number.assign", "sitter.activate", "client.create", "booking.create", "booking.confirm"] {
                #expect(actions.contains(action), "\(action) in \(actions)")
            }
            #expect(actions.filter { $0 == "booking.confirm" }.count == 6)
            #expect(actions.filter { $0 == "number.assign" }.count == 1, "one number assignment across six bookings")
            #expect(bookings.count == 5)
        }
    }

    @Test("quarantine: the offered durations and custom days, never routed, restore needs forceRestore and restoreReason, release")
    func quarantine() async throws {
        try await Self.with("sms-quarantine") { w in
            let (_, client, numbers) = try await w.standardSetup()
            let pool = try #require(numbers[SMSWorld.pool])
            let bad = try await w.api(.POST, "/numbers/\(pool)/quarantine", ["durationDays": 5, "reason": "spam reports"])
            #expect(bad.status == 422 && bad.json["field"] as? String == "durationDays", "\(bad.text)")
            let noReason = try await w.api(.POST, "/numbers/\(pool)/quarantine", ["durationDays": 7])
            #expect(noReason.status == 422 && noReason.json["field"] as? String == "reason")

            for (body, days) in [(["durationDays": 7] as [String: Any], 7.0), (["duration": "custom", "customDays": 45], 45), ([:], 90)] {
                let before = Date()
                var request = body
                request["reason"] = "carrier complaint"
                let q = try await w.api(.POST, "/numbers/\(pool)/quarantine", request)
                #expect(q.status == 200, "\(q.text)")
                #expect(q.json["status"] as? String == "quarantined")
                let until = ISO8601DateFormatter().date(from: (q.json["quarantineUntil"] as? String ?? "").replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression))
                let expected = before.addingTimeInterval(days * 86_400)
                #expect(abs((until ?? .distantPast).timeIntervalSince(expected)) < 120, "\(days) days: \(q.text)")
                let preview = try await w.api(.GET, "/routing/preview?clientId=\(client)").json
                #expect(preview["from"] as? String == SMSWorld.frontDesk, "a quarantined number is never routed")
                #expect((preview["trace"] as? String ?? "").contains("No pool number available - using front desk \(SMSWorld.frontDesk)"))
                let missing = try await w.api(.POST, "/numbers/\(pool)/restore", ["forceRestore": true])
                #expect(missing.status == 422 && missing.json["field"] as? String == "restoreReason", "\(missing.text)")
                let notForced = try await w.api(.POST, "/numbers/\(pool)/restore", ["restoreReason": "cleared"])
                #expect(notForced.status == 422 && notForced.json["field"] as? String == "forceRestore")
                let restored = try await w.api(.POST, "/numbers/\(pool)/restore", ["forceRestore": true, "restoreReason": "complaint withdrawn"])
                #expect(restored.status == 200 && restored.json["status"] as? String == "active", "\(restored.text)")
                #expect(try await w.api(.GET, "/routing/preview?clientId=\(client)").json["from"] as? String == SMSWorld.pool)
            }
            let audit = try await w.items("/audit?subject=number:\(pool)")
            #expect(audit.filter { $0["action"] as? String == "number.quarantine" }.count == 3)
            let restore = try #require(audit.first { $0["action"] as? String == "number.restore" })
            #expect(restore["reason"] as? String == "complaint withdrawn" && restore["actor"] as? String == "tenant-api")
            #expect((restore["before"] as? [String: Any])?["status"] as? String == "quarantined")
            #expect((restore["after"] as? [String: Any])?["status"] as? String == "active")

            let released = try await w.api(.POST, "/numbers/\(pool)/release", ["reason": "ported out"])
            #expect(released.json["status"] as? String == "released")
            #expect(try await w.api(.POST, "/numbers/\(pool)/restore", ["forceRestore": true, "restoreReason": "x"]).status == 409)
            #expect(try await w.api(.GET, "/routing/preview?clientId=\(client)").json["from"] as? String == SMSWorld.frontDesk)
        }
    }

    @Test("a deactivated sitter's number is held for the configured period, then quarantined and unassigned")
    func deactivationHold() async throws {
        try await Self.with("sms-hold", holdDays: 0) { w in
            let (sitter, _, numbers) = try await w.standardSetup()
            let number = try #require(numbers[SMSWorld.sitterNumbers[0]])
            let reply = try await w.api(.POST, "/sitters/\(sitter)/deactivate", [:])
            #expect(reply.status == 200 && reply.json["active"] as? Bool == false, "\(reply.text)")
            let after = try #require(try await w.items("/numbers").first { $0["id"] as? Int == number })
            #expect(after["status"] as? String == "quarantined" && after["assignedSitterId"] is NSNull, "\(after)")
            let actions = try await w.items("/audit?subject=number:\(number)").compactMap { $0["action"] as? String }
            #expect(actions.contains("number.hold") && actions.contains("number.hold_ended"), "\(actions)")
            let again = try await w.api(.POST, "/sitters/\(sitter)/activate", [:])
            #expect(again.json["numberId"] as? Int == numbers[SMSWorld.sitterNumbers[1]], "a new number once the old one left")
        }
    }

    @Test("a hold that ends is turned into a quarantine by the instance's own timer, audited as the system")
    func holdEndsOnTimer() async throws {
        try await Self.with("sms-hold-timer", holdDays: 3.0 / 86_400) { w in
            let (sitter, _, numbers) = try await w.standardSetup()
            let number = try #require(numbers[SMSWorld.sitterNumbers[0]])
            _ = try await w.api(.POST, "/sitters/\(sitter)/deactivate", [:])
            let held = try #require(try await w.items("/numbers").first { $0["id"] as? Int == number })
            #expect(held["status"] as? String == "active" && held["holdUntil"] is String && held["assignedSitterId"] as? Int == sitter)
            #expect(try await Fixtures.eventually(60) {
                try await w.items("/audit?subject=number:\(number)").contains { $0["action"] as? String == "number.hold_ended" }
            })
            let entry = try #require(try await w.items("/audit?subject=number:\(number)").first { $0["action"] as? String == "number.hold_ended" })
            #expect(entry["actor"] as? String == "system")
            #expect((entry["after"] as? [String: Any])?["status"] as? String == "quarantined")
        }
    }

    @Test("bad input gets 4xx JSON naming the field")
    func badInput() async throws {
        try await Self.with("sms-input") { w in
            let e164 = try await w.api(.POST, "/numbers", ["e164": "555-1234", "role": "pool"])
            #expect(e164.status == 422 && e164.json["field"] as? String == "e164")
            let role = try await w.api(.POST, "/numbers", ["e164": "+15551234567", "role": "vip"])
            #expect(role.status == 422 && role.json["field"] as? String == "role")
            _ = try await w.create("/numbers", ["e164": "+15551234567", "role": "pool"])
            let dup = try await w.api(.POST, "/numbers", ["e164": "+15551234567", "role": "pool"])
            #expect(dup.status == 409 && dup.json["field"] as? String == "e164")
            let sitter = try await w.create("/sitters", ["name": "Ann", "personalPhone": "+14155550111"])
            let noNumber = try await w.api(.POST, "/sitters/\(sitter)/activate", [:])
            #expect(noNumber.status == 409 && noNumber.json["field"] as? String == "numbers", "\(noNumber.text)")
            let client = try await w.create("/clients", ["name": "Bo", "phone": "+12125550111"])
            let ends = try await w.api(.POST, "/bookings", ["clientId": client, "sitterId": sitter, "startsAt": "2026-01-02T10:00:00Z", "endsAt": "2026-01-02T09:00:00Z"])
            #expect(ends.status == 422 && ends.json["field"] as? String == "endsAt")
            let when = try await w.api(.POST, "/bookings", ["clientId": client, "sitterId": sitter, "startsAt": "tomorrow", "endsAt": "2026-01-02T09:00:00Z"])
            #expect(when.status == 422 && when.json["field"] as? String == "startsAt")
            #expect(try await w.api(.POST, "/bookings/999/confirm", [:]).json["field"] as? String == "bookingId")
            let anonymous = try await w.host.request(.GET, "/v1/plugins/sms/desk/numbers")
            #expect(anonymous.status == 401)
        }
    }
}
