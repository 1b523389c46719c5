import Foundation
import SwitchboardStorage
import Testing

@testable import SwitchboardHost

/// The Evolution (WhatsApp) channel end to end: the real host loads the real libEvolution.so,
/// webhooks arrive over loopback HTTP, replies leave through a fake Evolution server on loopback.
@Suite("Evolution channel")
struct EvolutionChannelTests {
    typealias W = EvolutionWebhooks
    typealias E = EvolutionChannel

    @Test("a text is answered through sendText: v2 body, apikey header, the Evolution instance; statuses move forward")
    func textAnswered() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-text")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(
                tenant: "acme", plugin: "evolution", name: "acme-wa",
                settings: E.settings(fake, instance: "loja1", ["typing_delay_ms": 1200]))
            let reply = try await E.post(host, "acme-wa", W.text(id: "3EB0C431C26A1916E5C9", "Do you open on Sunday?", apiKey: E.apiKey))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(E.result(reply)["outcome"] as? String == "accepted")
            #expect(E.result(reply)["reply_queued"] as? Bool == true)
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            let call = try #require(fake.sendTextCalls.first)
            #expect(call.path == "/message/sendText/loja1")
            #expect(call.header("apikey") == E.apiKey)
            #expect(call.json["number"] as? String == W.ana)
            #expect(call.json["delay"] as? Int == 1200)
            #expect(E.text(call).contains("Do you open on Sunday?"), "the template agent quotes the message")
            let inbound = try #require(try E.messages(host, id).first { $0.direction == .inbound })
            #expect(inbound.externalId == "3EB0C431C26A1916E5C9" && inbound.text == "Do you open on Sunday?")

            let sentId = "BAE5000000000001"
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.externalId == sentId })
            for (status, expected) in [("DELIVERY_ACK", MessageStatus.delivered), ("READ", .read), ("SERVER_ACK", .read)] {
                let update = try await E.post(host, "acme-wa", W.update(id: sentId, status: status))
                #expect(update.status == 200, "\(update.text)")
                #expect(try E.replies(host, id).first?.status == expected, "after \(status)")
            }
            let foreign = try await E.post(host, "acme-wa", W.update(id: "NOT-OURS", status: "READ"))
            #expect(E.result(foreign)["outcome"] as? String == "ignored")
        }
    }

    @Test("a v1 server gets the v1 body; a 1.8 extended text and numeric status are understood")
    func version1() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-v1")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(
                tenant: "acme", plugin: "evolution", name: "old", settings: E.settings(fake, ["api_version": "v1"]))
            let reply = try await E.post(host, "old", W.extendedText18(id: "3EB0A1B2C3D4E5F6A7B8", "See https://shop.example/p/42"))
            #expect(E.result(reply)["outcome"] as? String == "accepted", "\(reply.text)")
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            let call = try #require(fake.sendTextCalls.first)
            #expect(call.json["text"] == nil && E.text(call).contains("See https://shop.example/p/42"))
            #expect((call.json["options"] as? [String: Any])?["delay"] as? Int == 0)
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.status == .sent })
            _ = try await E.post(host, "old", W.update18(id: "BAE5000000000001", status: 3))
            #expect(try E.replies(host, id).first?.status == .delivered)
        }
    }

    @Test("a LID chat is answered at its phone number; a media caption is the text")
    func lidAndMedia() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-lid")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            #expect(try await E.post(host, "wa", W.lid(id: "3A5F8E2D1C0B9A877654", "Where is my order?")).status == 200)
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            #expect(fake.sendTextCalls.first?.json["number"] as? String == W.ana)
            let image = try await E.post(host, "wa", W.image(id: "3EB0IMAGE0000000CAFE", caption: "Is this one blue?"))
            #expect(E.result(image)["outcome"] as? String == "accepted")
            let stored = try #require(try E.messages(host, id).first { $0.externalId == "3EB0IMAGE0000000CAFE" })
            #expect(stored.text == "Is this one blue?")
            let attachments = try JSONSerialization.jsonObject(with: Data((stored.attachments ?? "[]").utf8)) as? [[String: Any]]
            #expect(attachments?.first?["type"] as? String == "image" && attachments?.first?["mime_type"] as? String == "image/jpeg")
            #expect(try await Fixtures.eventually { fake.sent == 2 })
            let contacts = Set(try E.messages(host, id).filter { $0.direction == .inbound }.map(\.conversationId))
            #expect(contacts.count == 1, "the LID and the phone number are one conversation")
        }
    }

    @Test("fromMe typed on the phone hands the conversation to a person: stored as theirs, no reply")
    func handoff() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-handoff")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            _ = try await E.post(host, "wa", W.text(id: "IN-1", "Hello"))
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            let human = try await E.post(host, "wa", W.fromMe(id: "3EB0D1E2F3A4B5C6D7E8", "Hi Ana, Carla here, I'll help you."))
            #expect(E.result(human)["outcome"] as? String == "human_reply", "\(human.text)")
            let next = try await E.post(host, "wa", W.text(id: "IN-2", "Thanks!"))
            #expect(E.result(next)["reply_queued"] as? Bool == false, "paused: a person is answering")
            let stored = try #require(try E.messages(host, id).first { $0.externalId == "3EB0D1E2F3A4B5C6D7E8" })
            #expect(stored.author == .human && stored.direction == .outbound)
            #expect(fake.sendTextCalls.count == 1)
        }
    }

    @Test("our own echoes are ignored, even one that arrives before sendText answers, and never pause the assistant")
    func ownEcho() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-echo")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            fake.echo(to: "http://127.0.0.1:\(host.port)/webhook/evolution/wa")
            _ = try await E.post(host, "wa", W.text(id: "IN-1", "Hello"))
            #expect(try await Fixtures.eventually { fake.sent == 1 && fake.echoReplies.count == 1 })
            let echo = (fake.echoReplies.first?["results"] as? [[String: Any]])?.first
            #expect(echo?["outcome"] as? String == "own_echo", "\(fake.echoReplies)")
            fake.echo(to: nil)
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.externalId == "BAE5000000000001" })
            let upsert = try await E.post(host, "wa", W.fromMe(id: "BAE5000000000001", E.text(fake.sendTextCalls[0])))
            #expect(E.result(upsert)["outcome"] as? String == "own_echo")
            let next = try await E.post(host, "wa", W.text(id: "IN-2", "Still there?"))
            #expect(E.result(next)["reply_queued"] as? Bool == true, "not paused by our own messages")
            #expect(try await Fixtures.eventually { fake.sent == 2 })
            #expect(try E.messages(host, id).allSatisfy { $0.author != .human })
        }
    }

    @Test("status broadcasts and groups are ignored; with groups = answer the group is answered")
    func ignored() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-ignored")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            let status = try await E.post(host, "wa", W.statusBroadcast(id: "3EB0B0B0B0B0B0B0B0B0"))
            #expect(status.status == 200 && E.result(status)["reason"] as? String == "status broadcast")
            let group = try await E.post(host, "wa", W.group(id: "3EB0F00D5EED1234ABCD", "Anyone knows the hours?"))
            #expect(E.result(group)["outcome"] as? String == "ignored")
            let unknown = try await E.post(host, "wa", W.envelope("contacts.upsert", #"[{"remoteJid":"x@s.whatsapp.net"}]"#))
            #expect(unknown.status == 200 && E.result(unknown)["outcome"] as? String == "ignored")
            #expect(try E.messages(host, id).isEmpty)

            try await host.createInstance(
                tenant: "acme", plugin: "evolution", name: "groups", settings: E.settings(fake, ["groups": "answer"]))
            let answered = try await E.post(host, "groups", W.group(id: "3EB0F00D5EED1234ABCE", "Anyone knows the hours?"))
            #expect(E.result(answered)["outcome"] as? String == "accepted")
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            #expect(fake.sendTextCalls.first?.json["number"] as? String == "120363025246125888@g.us")
        }
    }

    @Test("connection and QR events reach the admin API's channel_status, the per-event route included")
    func channelStatus() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-status")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            func status() async throws -> [String: Any] {
                try await host.admin(.GET, "/instances/\(id)").json["channel_status"] as? [String: Any] ?? [:]
            }
            let connecting = try await E.post(host, "wa", W.connection("connecting", reason: 200, event: false), event: "connection-update")
            #expect(connecting.status == 200, "\(connecting.text)")
            #expect(try await E.post(host, "wa", W.qrcode("2@y8fJb0c1Qm9uZ2x5"), event: "qrcode-updated").status == 200)
            var current = try await status()
            #expect(current["connection"] as? String == "connecting")
            #expect((current["qr"] as? [String: Any])?["code"] as? String == "2@y8fJb0c1Qm9uZ2x5")
            #expect(((current["qr"] as? [String: Any])?["base64"] as? String)?.hasPrefix("data:image/png") == true)
            #expect(try await E.post(host, "wa", W.connection("open", reason: 200)).status == 200)
            current = try await status()
            #expect(current["connection"] as? String == "open" && current["qr"] is NSNull, "paired: no QR code")
            #expect(current["profile_name"] as? String == "Loja Acme")
            _ = try await E.post(host, "wa", W.connection("close", reason: 401))
            current = try await status()
            #expect(current["connection"] as? String == "close" && current["reason"] as? Int == 401)
            let mismatch = try await E.post(host, "wa", W.connection("open", reason: 200), event: "messages-upsert")
            #expect(mismatch.status == 422 && mismatch.json["field"] as? String == "event")
        }
    }

    @Test("the legacy POST /webhook/evolution reaches the environment-configured default instance")
    func legacyRoute() async throws {
        try await EvolutionFake.with { fake in
            let legacy = try #require(
                LegacyEnvironment(
                    environment: ["EVOLUTION_URL": fake.url, "EVOLUTION_API_KEY": E.apiKey, "EVOLUTION_INSTANCE": "sales"]))
            let entry = try legacy.bootstrapInstance()
            let host = try await E.host("evo-legacy") { $0.instances = [entry] }
            defer { Task { await host.stop() } }
            let reply = try await host.request(
                .POST, "/webhook/evolution", body: Array(W.text(id: "LEGACY-1", "Hello from the old URL", apiKey: E.apiKey).utf8))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(E.result(reply)["outcome"] as? String == "accepted")
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            #expect(fake.sendTextCalls.first?.path == "/message/sendText/sales")
            #expect(fake.sendTextCalls.first?.header("apikey") == E.apiKey)
        }
    }

    @Test("two instances of two tenants answer with their own assistants through their own Evolution instances")
    func twoTenants() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-tenants")
            defer { Task { await host.stop() } }
            try await host.createInstance(tenant: "acme", plugin: "evolution", name: "acme-wa", settings: E.settings(fake, instance: "acme-sales"))
            try await host.createInstance(tenant: "globex", plugin: "evolution", name: "globex-wa", settings: E.settings(fake, instance: "globex-desk"))
            for (slug, name) in [("acme", "Alice"), ("globex", "Bob")] {
                let put = try await host.admin(.PUT, "/tenants/\(slug)/assistant", json: ["assistant_name": name, "company_name": slug.capitalized])
                #expect(put.status == 200, "\(put.text)")
            }
            _ = try await E.post(host, "acme-wa", W.text(id: "SAME-ID", "Hello Acme"))
            _ = try await E.post(host, "globex-wa", W.text(id: "SAME-ID", "Hello Globex"))
            #expect(try await Fixtures.eventually { fake.sent == 2 })
            let byInstance = Dictionary(grouping: fake.sendTextCalls, by: \.path)
            let acme = byInstance["/message/sendText/acme-sales"]?.first.map(E.text) ?? ""
            let globex = byInstance["/message/sendText/globex-desk"]?.first.map(E.text) ?? ""
            #expect(acme.contains("Alice from Acme") && acme.contains("Hello Acme"), "\(acme)")
            #expect(globex.contains("Bob from Globex") && globex.contains("Hello Globex"), "\(globex)")
        }
    }

    @Test("a webhook redelivered five times at once is stored and answered once")
    func redelivery() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-redelivery")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            let body = W.text(id: "3EB0REDELIVERED00001", "Only once please")
            let replies = try await withThrowingTaskGroup(of: LiveHost.Reply.self) { group in
                for _ in 0..<5 { group.addTask { try await E.post(host, "wa", body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(replies.filter { E.result($0)["duplicate"] as? Bool == false }.count == 1)
            #expect(try await Fixtures.eventually { fake.sent == 1 })
            #expect(try E.messages(host, id).filter { $0.direction == .inbound }.count == 1)
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.status == .sent })
            #expect(try fake.sendTextCalls.count == 1 && E.replies(host, id).count == 1)
        }
    }
}

/// Refusals and failures of the Evolution channel: 401, 422, Evolution's 4xx and 5xx.
@Suite("Evolution channel failures")
struct EvolutionChannelFailureTests {
    typealias W = EvolutionWebhooks
    typealias E = EvolutionChannel

    @Test("a wrong apikey or a missing, forged or expired JWT is refused with 401 and nothing is stored")
    func unauthorized() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-auth")
            defer { Task { await host.stop() } }
            let secret = "jwt-5ecret-for-webhooks"
            let id = try await host.createInstance(
                tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake, ["webhook_jwt_secret": secret]))
            let body = W.text(id: "AUTH-1", "Hello", apiKey: E.apiKey)
            let now = Int(Date().timeIntervalSince1970)
            let refused: [(String, [(String, String)], String)] = [
                (body, [], "token_missing"),
                (body, [("Authorization", "Bearer " + EvolutionFake.jwt(secret: "forged"))], "token_signature"),
                (body, [("Authorization", "Bearer " + EvolutionFake.jwt(secret: secret, issuedAt: now - 3600))], "token_expired"),
                (W.text(id: "AUTH-1", "Hello", apiKey: "wrong-key"), [("Authorization", "Bearer " + EvolutionFake.jwt(secret: secret))], "apikey_mismatch"),
            ]
            for (body, headers, code) in refused {
                let reply = try await E.post(host, "wa", body, headers: headers)
                #expect(reply.status == 401, "\(code): \(reply.status) \(reply.text)")
                #expect(reply.json["error"] as? String == code)
                #expect(!reply.text.contains(secret) && !reply.text.contains(E.apiKey))
            }
            #expect(try E.messages(host, id).isEmpty)
            let accepted = try await E.post(host, "wa", body, headers: [("Authorization", "Bearer " + EvolutionFake.jwt(secret: secret))])
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(try E.messages(host, id).filter { $0.direction == .inbound }.count == 1)
        }
    }

    @Test("an unreadable payload gets 422 naming the problem")
    func unprocessable() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-422")
            defer { Task { await host.stop() } }
            try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            let cases = [
                ("this is not json", "invalid_json", ""),
                (#"{"instance":"sales","data":{}}"#, "missing_field", "event"),
                (W.envelope("messages.upsert", #"{"key":{"remoteJid":"5511987654321@s.whatsapp.net"},"message":{"conversation":"x"}}"#), "missing_field", "data.key.id"),
                (W.envelope("messages.upsert", #"{"key":{"id":"X1","remoteJid":"not-a-jid"},"message":{"conversation":"x"}}"#), "invalid_field", "data.key.remoteJid"),
            ]
            for (body, code, field) in cases {
                let reply = try await E.post(host, "wa", body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
                #expect(reply.header("content-type") == "application/json")
                #expect(reply.json["error"] as? String == code && reply.json["field"] as? String == field, "\(reply.text)")
            }
        }
    }

    @Test("a 4xx from Evolution marks the reply failed with Evolution's reason; it is not retried")
    func refusedByEvolution() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-4xx")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            fake.failNext(400, message: "Text is required for this instance")
            _ = try await E.post(host, "wa", W.text(id: "IN-4XX", "Hello"))
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.status == .failed })
            let failed = try #require(try E.replies(host, id).first)
            #expect(failed.error?.contains("Evolution answered 400: Text is required for this instance") == true, "\(failed.error ?? "")")
            #expect(fake.sendTextCalls.count == 1, "a refusal is final")
        }
    }

    @Test("5xx answers are retried until Evolution takes the message, which is then sent once")
    func retriedAfter5xx() async throws {
        try await EvolutionFake.with { fake in
            let host = try await E.host("evo-5xx")
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            fake.failNext(500, message: "Connection Closed", times: 2)
            _ = try await E.post(host, "wa", W.text(id: "IN-5XX", "Hello"))
            #expect(try await Fixtures.eventually { try E.replies(host, id).first?.status == .sent })
            #expect(fake.sendTextCalls.count == 3 && fake.sent == 1)
            #expect(try E.replies(host, id).first?.externalId == "BAE5000000000001")
        }
    }

    @Test("while Evolution hangs, webhooks are still answered; once it recovers every reply is sent exactly once")
    func hangingEvolution() async throws {
        try await EvolutionFake.with { fake in
            // Deferred sends count as attempts: allow plenty while the server hangs.
            let host = try await E.host("evo-hanging") { $0.conversations.maxSendAttempts = 100 }
            defer { Task { await host.stop() } }
            let id = try await host.createInstance(tenant: "acme", plugin: "evolution", name: "wa", settings: E.settings(fake))
            let gate = fake.hold()
            for n in 0..<10 {
                _ = try await E.post(host, "wa", W.text(id: "HANG-\(n)", "Hello \(n)", from: "55119876500\(n)"))
            }
            #expect(try await Fixtures.eventually(30) { fake.sendTextCalls.count >= 4 }, "sends are hanging at Evolution")
            // Ten replies want to be sent and every send hangs: only a few may hold worker threads.
            let webhook = try await host.request(
                .POST, "/webhook/evolution/wa", body: Array(W.text(id: "HANG-LAST", "Still answering?").utf8),
                timeout: .seconds(10))
            #expect(webhook.status == 200 && E.result(webhook)["outcome"] as? String == "accepted", "\(webhook.text)")
            gate.open()
            #expect(try await Fixtures.eventually(60) { try E.replies(host, id).filter { $0.status == .sent }.count == 11 })
            #expect(fake.sent == 11)
        }
    }
}
