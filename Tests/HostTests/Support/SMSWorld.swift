import Foundation
import NIOHTTP1

/// A live host with an SMS instance "desk" of tenant acme wired to a fake Twilio, and the tenant API key.
struct SMSWorld {
    let host: LiveHost
    let twilio: StubServer
    let fake: FakeTwilio
    let key: String

    static let frontDesk = "+15550000001"
    static let pool = "+15550000002"
    static let sitterNumbers = ["+15550000011", "+15550000012"]
    static let sitterPhone = "+14155550101"
    static let clientPhone = "+12125550199"
    static let otherClientPhone = "+12125550188"

    static func start(_ label: String, fake: FakeTwilio, twilio: StubServer, holdDays: Double = 30) async throws -> SMSWorld {
        let host = try await LiveHost.start(label: label)
        try await host.createInstance(
            tenant: "acme", plugin: "sms", name: "desk",
            settings: [
                "account_sid": FakeTwilio.accountSID, "auth_token": FakeTwilio.authToken, "api_base": twilio.url(""),
                "public_base_url": FakeTwilio.publicBase, "unknown_sender_reply": "Who is this? Call us at the office.",
                "sitter_number_hold_days": holdDays,
            ])
        let created = try await host.admin(.POST, "/tenants/acme/api-keys", json: ["scope": "tenant"])
        guard let key = created.json["key"] as? String else { throw Fixtures.CompileError(description: created.text) }
        return SMSWorld(host: host, twilio: twilio, fake: fake, key: key)
    }

    /// A tenant API call under /v1/plugins/sms/desk.
    func api(_ method: HTTPMethod, _ path: String, _ json: [String: Any]? = nil) async throws -> LiveHost.Reply {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        return try await host.request(
            method, "/v1/plugins/sms/desk" + path, body: body,
            headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")])
    }

    /// The id of a created object (fails the test through the thrown error otherwise).
    func create(_ path: String, _ json: [String: Any]) async throws -> Int {
        let reply = try await api(.POST, path, json)
        guard reply.status == 201 || reply.status == 200, let id = reply.json["id"] as? Int else {
            throw Fixtures.CompileError(description: "\(path): \(reply.status) \(reply.text)")
        }
        return id
    }

    /// A signed Twilio webhook (`signature` overrides the correct one).
    func webhook(_ subpath: String = "", _ params: [(String, String)], signature: String? = nil) async throws
        -> LiveHost.Reply
    {
        let path = "/webhook/sms/desk" + subpath
        let signed = signature ?? FakeTwilio.sign(url: FakeTwilio.publicBase + path, params: params)
        return try await host.request(
            .POST, path, body: FakeTwilio.form(params),
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Twilio-Signature", signed)])
    }

    /// An inbound SMS in Twilio's parameters.
    func text(from: String, to: String, _ body: String, sid: String) async throws -> LiveHost.Reply {
        try await webhook("", [
            ("MessageSid", sid), ("SmsMessageSid", sid), ("AccountSid", FakeTwilio.accountSID), ("From", from),
            ("To", to), ("Body", body), ("NumMedia", "0"), ("ApiVersion", "2010-04-01"),
        ])
    }

    /// Numbers (front desk, pool, two sitter numbers), sitter Sam (activated), client Jane; returns ids.
    func standardSetup() async throws -> (sitter: Int, client: Int, numbers: [String: Int]) {
        var numbers: [String: Int] = [:]
        numbers[Self.frontDesk] = try await create("/numbers", ["e164": Self.frontDesk, "role": "front_desk"])
        numbers[Self.pool] = try await create("/numbers", ["e164": Self.pool, "role": "pool"])
        for n in Self.sitterNumbers { numbers[n] = try await create("/numbers", ["e164": n, "role": "sitter"]) }
        let sitter = try await create("/sitters", ["name": "Sam", "personalPhone": Self.sitterPhone])
        _ = try await api(.POST, "/sitters/\(sitter)/activate", [:])
        let client = try await create("/clients", ["name": "Jane", "phone": Self.clientPhone])
        return (sitter, client, numbers)
    }

    /// A confirmed booking from now + `startIn` to now + `endIn` seconds.
    func confirmedBooking(client: Int, sitter: Int, startIn: Double, endIn: Double) async throws -> Int {
        let now = Date()
        let id = try await create("/bookings", [
            "clientId": client, "sitterId": sitter, "startsAt": Self.iso(now.addingTimeInterval(startIn)),
            "endsAt": Self.iso(now.addingTimeInterval(endIn)),
        ])
        _ = try await api(.POST, "/bookings/\(id)/confirm", [:])
        return id
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    func items(_ path: String) async throws -> [[String: Any]] {
        try await api(.GET, path).json["items"] as? [[String: Any]] ?? []
    }

    func stop() async {
        await host.stop()
    }
}
