import SwitchboardSDK

/// `POST {evolution_url}/message/sendText/{whatsapp_instance}`: its body and what its answer means.
public enum SendText {
    /// The JSON body: v2 `{number, text, delay}`, v1 `{number, textMessage: {text}, options: {delay}}`.
    public static func body(_ version: APIVersion, number: String, text: String, delayMs: Int64) -> JSONValue {
        switch version {
        case .v2:
            return ["number": .string(number), "text": .string(text), "delay": .integer(delayMs)]
        case .v1:
            return [
                "number": .string(number), "textMessage": ["text": .string(text)],
                "options": ["delay": .integer(delayMs)],
            ]
        }
    }

    /// What one answer of Evolution means for the message.
    public enum Outcome: Sendable, Equatable {
        /// Sent; Evolution's `key.id`.
        case sent(id: String)
        /// Refused for good (4xx), with Evolution's reason.
        case refused(status: Int, reason: String)
        /// Worth retrying (5xx, 429, an answer without an id).
        case retry(status: Int, reason: String)
    }

    /// Read an answer: 200/201 with `{key: {id}}`; errors as `{status, error, response: {message}}`.
    public static func outcome(status: Int, body: [UInt8]) -> Outcome {
        let json = try? JSONValue(parsing: body)
        if (200..<300).contains(status) {
            if let id = json?["key"]?["id"]?.stringValue, !id.isEmpty { return .sent(id: id) }
            return .retry(status: status, reason: "Evolution answered \(status) without key.id")
        }
        let reason = "Evolution answered \(status): " + Self.reason(json, fallback: String(decoding: body.prefix(200), as: UTF8.self))
        if status == 408 || status == 429 || status >= 500 { return .retry(status: status, reason: reason) }
        return .refused(status: status, reason: reason)
    }

    /// `response.message` (a string, strings, or objects such as `{exists: false, number}`),
    /// else `message`, else `error`. Phone numbers in it are masked.
    static func reason(_ json: JSONValue?, fallback: String) -> String {
        guard let json else { return fallback.isEmpty ? "no body" : maskDigits(fallback) }
        let message = json["response"]?["message"] ?? json["message"] ?? json["error"]
        let parts: [String]
        switch message {
        case .string(let text)?: parts = [text]
        case .array(let items)?: parts = items.map { item in
            if let text = item.stringValue { return text }
            if item["exists"]?.boolValue == false { return "the number is not on WhatsApp" }
            return item.jsonString
        }
        case let other?: parts = [other.jsonString]
        case nil: parts = [json["error"]?.stringValue ?? "no reason given"]
        }
        return maskDigits(parts.joined(separator: "; "))
    }

    /// Runs of 6 or more digits (phone numbers) replaced by `***`: reasons end up in logs.
    static func maskDigits(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            out += run.count >= 6 ? "***" : run
            run = ""
        }
        for character in text {
            if character.isASCII, character.isNumber { run.append(character) } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}

/// The instance's state as operators see it in `channel_status`: the last connection update and,
/// while the phone is not paired, the latest QR code.
public struct ChannelState: Sendable, Equatable {
    public var connection: ConnectionUpdate?
    public var qr: QRCode?
    /// Evolution's `date_time` of the last event applied.
    public var updatedAt: String?

    public init(connection: ConnectionUpdate? = nil, qr: QRCode? = nil, updatedAt: String? = nil) {
        self.connection = connection
        self.qr = qr
        self.updatedAt = updatedAt
    }

    /// Apply a connection update; an open session no longer needs a QR code.
    public mutating func apply(_ update: ConnectionUpdate, at time: String?) {
        connection = update
        if update.state == "open" { qr = nil }
        updatedAt = time ?? updatedAt
    }

    public mutating func apply(_ code: QRCode, at time: String?) {
        qr = code
        updatedAt = time ?? updatedAt
    }

    /// `{connection, reason, profile_name, number, qr: {code, base64, pairing_code} | null, qr_error, updated_at}`.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "connection", value: connection.map { .string($0.state) } ?? .string("unknown"))
        ]
        if let reason = connection?.reason { members.append((key: "reason", value: .integer(reason))) }
        if let name = connection?.profileName { members.append((key: "profile_name", value: .string(name))) }
        if let number = connection?.number { members.append((key: "number", value: .string(number))) }
        if let qr, qr.error == nil {
            var code: [(key: String, value: JSONValue)] = []
            if let text = qr.code { code.append((key: "code", value: .string(text))) }
            if let base64 = qr.base64 { code.append((key: "base64", value: .string(base64))) }
            if let pairing = qr.pairingCode { code.append((key: "pairing_code", value: .string(pairing))) }
            members.append((key: "qr", value: .object(code)))
        } else {
            members.append((key: "qr", value: .null))
        }
        if let error = qr?.error { members.append((key: "qr_error", value: .string(error))) }
        if let updatedAt { members.append((key: "updated_at", value: .string(updatedAt))) }
        return .object(members)
    }

    /// Read back what `json` wrote (kept in storage across restarts).
    public init(json: JSONValue) {
        if let state = json["connection"]?.stringValue, state != "unknown" {
            connection = ConnectionUpdate(
                state: state, reason: json["reason"]?.intValue, profileName: json["profile_name"]?.stringValue,
                number: json["number"]?.stringValue)
        }
        if let qr = json["qr"], qr.objectMembers != nil {
            self.qr = QRCode(
                code: qr["code"]?.stringValue, base64: qr["base64"]?.stringValue,
                pairingCode: qr["pairing_code"]?.stringValue)
        } else if let error = json["qr_error"]?.stringValue {
            self.qr = QRCode(error: error)
        }
        updatedAt = json["updated_at"]?.stringValue
    }
}
