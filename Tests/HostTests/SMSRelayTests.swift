import Foundation
import Testing

@testable import SwitchboardHost

/// Relays in both directions through masked numbers, signed webhooks, status callbacks, replies.
@Suite("SMS relays and webhooks")
struct SMSRelayTests {
    @Test("client and sitter text each other through the sitter's masked number; neither sees the other's phone")
    func relayBothWays() async throws {
        try await SMSChannelTests.with("sms-relay") { w in
            let (sitter, client, _) = try await w.standardSetup()
            let booking = try await w.confirmedBooking(client: client, sitter: sitter, startIn: -600, endIn: 3600)
            w.fake.fail(2)  // the provider is down for the first two attempts: the relay waits, then goes out

            let masked = SMSWorld.sitterNumbers[0]
            let inbound = try await w.text(from: SMSWorld.clientPhone, to: masked, "Is Rex eating?", sid: "SM" + String(repeating: "a", count: 32))
            #expect(inbound.status == 200)
            #expect(inbound.header("content-type")?.hasPrefix("text/xml") == true)
            #expect(inbound.text == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
            #expect(try await Fixtures.eventually(60) { FakeTwilio.calls(w.twilio).count == 3 })
            let toSitter = FakeTwilio.calls(w.twilio)[2]
            #expect(toSitter.form["To"] == SMSWorld.sitterPhone && toSitter.form["From"] == masked)
            #expect(toSitter.form["Body"] == "Jane: Is Rex eating?")
            #expect(!toSitter.raw.contains(SMSWorld.clientPhone.dropFirst()), "the client's phone never reaches the sitter")
            let relays = try await w.items("/messages")
            #expect(relays.first?["state"] as? String == "sent" && relays.first?["attempts"] as? Int == 3, "\(relays)")

            let reply = try await w.text(from: SMSWorld.sitterPhone, to: masked, "Yes, all gone", sid: "SM" + String(repeating: "b", count: 32))
            #expect(reply.status == 200 && !reply.text.contains(SMSWorld.clientPhone.dropFirst()))
            #expect(try await Fixtures.eventually(30) { FakeTwilio.calls(w.twilio).count == 4 })
            let toClient = FakeTwilio.calls(w.twilio)[3]
            #expect(toClient.form["To"] == SMSWorld.clientPhone && toClient.form["From"] == masked)
            #expect(toClient.form["Body"] == "Yes, all gone")
            #expect(!toClient.raw.contains(SMSWorld.sitterPhone.dropFirst()), "the sitter's phone never reaches the client")
            let traces = try await w.items("/traces").compactMap { $0["trace"] as? String }
            #expect(traces.contains { $0.contains("during the active assignment window of booking \(booking)") })
            #expect(traces.contains { $0.contains("with one active window (booking \(booking)) - relayed to client Jane") })

            // A redelivered webhook relays nothing twice.
            _ = try await w.text(from: SMSWorld.sitterPhone, to: masked, "Yes, all gone", sid: "SM" + String(repeating: "b", count: 32))

            // Two open windows for the sitter: the front desk gets it, with the ambiguity named.
            let other = try await w.create("/clients", ["name": "Omar", "phone": SMSWorld.otherClientPhone])
            let second = try await w.confirmedBooking(client: other, sitter: sitter, startIn: -60, endIn: 3600)
            let ambiguous = try await w.text(from: SMSWorld.sitterPhone, to: masked, "Running late", sid: "SM" + String(repeating: "c", count: 32))
            #expect(ambiguous.status == 200)
            let desk = try await w.items("/front-desk")
            #expect(desk.count == 1 && desk.first?["body"] as? String == "Running late")
            let trace = desk.first?["trace"] as? String ?? ""
            #expect(trace.hasPrefix("Ambiguous: sitter Sam (#\(sitter)) has 2 active windows"), "\(trace)")
            #expect(trace.contains("booking \(booking)") && trace.contains("booking \(second)"))

            // Strangers get the configured reply and nothing is relayed.
            let stranger = try await w.text(from: "+19995550000", to: masked, "hello?", sid: "SM" + String(repeating: "d", count: 32))
            #expect(stranger.text.contains("<Message>Who is this? Call us at the office.</Message>"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(FakeTwilio.calls(w.twilio).count == 4)
            #expect(try await w.items("/messages").count == 2)
        }
    }

    @Test("webhooks need Twilio's signature over public_base_url + path: unsigned, wrong or tampered requests get 403")
    func signatures() async throws {
        try await SMSChannelTests.with("sms-signature") { w in
            _ = try await w.standardSetup()
            let params = [("MessageSid", "SM" + String(repeating: "e", count: 32)), ("From", "+19995550000"), ("To", SMSWorld.pool), ("Body", "hi")]
            let good = FakeTwilio.sign(url: FakeTwilio.publicBase + "/webhook/sms/desk", params: params)
            let unsigned = try await w.host.request(.POST, "/webhook/sms/desk", body: FakeTwilio.form(params), headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(unsigned.status == 403 && unsigned.json["field"] as? String == "X-Twilio-Signature")
            let wrongToken = FakeTwilio.sign(url: FakeTwilio.publicBase + "/webhook/sms/desk", params: params, token: "not-the-token")
            #expect(try await w.webhook("", params, signature: wrongToken).status == 403)
            let wrongURL = FakeTwilio.sign(url: "http://127.0.0.1/webhook/sms/desk", params: params)
            #expect(try await w.webhook("", params, signature: wrongURL).status == 403, "the public base URL is what Twilio signs")
            var tampered = params
            tampered[3] = ("Body", "hi!")
            #expect(try await w.webhook("", tampered, signature: good).status == 403)
            #expect(try await w.webhook("", params, signature: good).status == 200)
            let status = [("MessageSid", "SMunknown"), ("MessageStatus", "delivered")]
            #expect(try await w.webhook("/status", status, signature: good).status == 403)
            #expect(try await w.webhook("/status", status).status == 204)
            let missing = try await w.webhook("", [("From", "+19995550000")])
            #expect(missing.status == 400 && missing.json["field"] as? String == "MessageSid")
        }
    }

    @Test("the assistant answers a client outside any window from the pool number with a trace; status callbacks only move forward")
    func assistantReplyAndStatus() async throws {
        try await SMSChannelTests.with("sms-assistant") { w in
            let (_, client, _) = try await w.standardSetup()
            _ = try await w.host.admin(.PUT, "/tenants/acme/assistant", json: ["assistant_name": "Alice", "company_name": "Acme Pets"])
            let inbound = try await w.text(from: SMSWorld.clientPhone, to: SMSWorld.pool, "Can I book Friday?", sid: "SM" + String(repeating: "f", count: 32))
            #expect(inbound.status == 200 && inbound.text.hasSuffix("<Response/>"))
            #expect(try await Fixtures.eventually(60) { FakeTwilio.calls(w.twilio).count == 1 })
            let call = try #require(FakeTwilio.calls(w.twilio).first)
            #expect(call.form["From"] == SMSWorld.pool && call.form["To"] == SMSWorld.clientPhone)
            #expect(call.form["Body"]?.contains("Alice") == true)
            let thread = try #require(try await w.items("/threads?clientId=\(client)").first?["id"] as? Int)
            let traces = try await w.items("/threads/\(thread)/traces")
            #expect(traces.contains { $0["direction"] as? String == "inbound" && $0["decision"] as? String == "conversation" })
            let outbound = try #require(traces.first { $0["direction"] as? String == "outbound" })
            #expect((outbound["trace"] as? String ?? "").hasPrefix("No active window - using pool number \(SMSWorld.pool)"))

            let conversations = try await w.host.request(.GET, "/v1/conversations", headers: [("Authorization", "Bearer \(w.key)")])
            let conversation = try #require((conversations.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            func replyStatus() async throws -> String? {
                let messages = try await w.host.request(.GET, "/v1/conversations/\(conversation)/messages", headers: [("Authorization", "Bearer \(w.key)")])
                return (messages.json["items"] as? [[String: Any]])?.first { $0["author"] as? String == "assistant" }?["status"] as? String
            }
            #expect(try await Fixtures.eventually(30) { try await replyStatus() == "sent" })
            let sid = String(format: "SM%032d", 1)
            #expect(try await w.webhook("/status", [("MessageSid", sid), ("MessageStatus", "delivered")]).status == 204)
            #expect(try await Fixtures.eventually(30) { try await replyStatus() == "delivered" })
            #expect(try await w.webhook("/status", [("MessageSid", sid), ("MessageStatus", "sent")]).status == 204)
            #expect(try await w.webhook("/status", [("MessageSid", sid), ("MessageStatus", "queued")]).status == 204)
            #expect(try await replyStatus() == "delivered", "a late 'sent' does not move the status back")
            #expect(try await w.webhook("/status", [("MessageSid", sid), ("MessageStatus", "bogus")]).json["field"] as? String == "MessageStatus")
        }
    }

    @Test("a reply Twilio refuses (4xx) fails for good after one call, with Twilio's reason; numbers stay out of it")
    func refusedReply() async throws {
        try await SMSChannelTests.with("sms-refused") { w in
            _ = try await w.standardSetup()
            _ = try await w.host.admin(.PUT, "/tenants/acme/assistant", json: ["assistant_name": "Alice", "company_name": "Acme Pets"])
            w.fake.refuseAll(true)
            _ = try await w.text(from: SMSWorld.clientPhone, to: SMSWorld.pool, "hello", sid: "SM" + String(repeating: "9", count: 32))
            let auth = [("Authorization", "Bearer \(w.key)")]
            func reply() async throws -> [String: Any]? {
                let list = try await w.host.request(.GET, "/v1/conversations", headers: auth)
                guard let id = (list.json["items"] as? [[String: Any]])?.first?["id"] as? String else { return nil }
                let messages = try await w.host.request(.GET, "/v1/conversations/\(id)/messages", headers: auth)
                return (messages.json["items"] as? [[String: Any]])?.first { $0["author"] as? String == "assistant" }
            }
            #expect(try await Fixtures.eventually(60) { try await reply()?["status"] as? String == "failed" })
            #expect(FakeTwilio.calls(w.twilio).count == 1, "a permanent refusal is not retried")
            let detail = String(describing: try await reply() ?? [:])
            #expect(!detail.contains(SMSWorld.clientPhone.dropFirst()), "\(detail)")
        }
    }

    @Test("send is idempotent by message_id; a provider 5xx is a retryable failure")
    func idempotentSend() async throws {
        try await SMSChannelTests.with("sms-idempotent") { w in
            _ = try await w.standardSetup()
            let instances = try await w.host.admin(.GET, "/instances").json["items"] as? [[String: Any]] ?? []
            let id = try #require(instances.first { $0["name"] as? String == "desk" }?["id"] as? String)
            let message: [String: Any] = ["to": SMSWorld.clientPhone, "text": "Your sitter is booked", "message_id": "msg-1"]
            w.fake.fail(1)
            let down = try await w.host.admin(.POST, "/instances/\(id)/send", json: message)
            #expect(down.status == 502 && (down.json["detail"] as? String ?? "").contains("unavailable"), "\(down.text)")
            let first = try await w.host.admin(.POST, "/instances/\(id)/send", json: message)
            let again = try await w.host.admin(.POST, "/instances/\(id)/send", json: message)
            let sid = (first.json["result"] as? [String: Any])?["external_id"] as? String
            #expect(sid == String(format: "SM%032d", 1), "\(first.text)")
            #expect((again.json["result"] as? [String: Any])?["external_id"] as? String == sid)
            #expect(FakeTwilio.calls(w.twilio).count == 2, "one failed call, one sent; the repeat did not call Twilio")
            let bad = try await w.host.admin(.POST, "/instances/\(id)/send", json: ["to": "12345", "text": "x", "message_id": "msg-2"])
            #expect(bad.status == 502 && (bad.json["detail"] as? String ?? "").contains("E.164"))
        }
    }
}
