import SwitchboardSDK

/// The Evolution events this channel understands. Evolution names an event `messages.upsert` in
/// the payload, `MESSAGES_UPSERT` in its settings and `messages-upsert` as the URL suffix of
/// its per-event webhook mode; all three spellings name the same kind.
public enum EventKind: Sendable, Equatable {
    case messagesUpsert
    case messagesUpdate
    case sendMessage
    case connectionUpdate
    case qrcodeUpdated
    /// Any other event, by its normalised name (`contacts.upsert`, ...).
    case other(String)

    /// Parse any of the three spellings; nil for an empty name.
    public init?(name: String) {
        let normalised = String(
            name.lowercased().map { $0 == "_" || $0 == "-" ? "." : $0 }
        ).trimmingCharacters(".")
        switch normalised {
        case "": return nil
        case "messages.upsert": self = .messagesUpsert
        case "messages.update": self = .messagesUpdate
        case "send.message": self = .sendMessage
        case "connection.update": self = .connectionUpdate
        case "qrcode.updated": self = .qrcodeUpdated
        default: self = .other(normalised)
        }
    }

    /// The dotted name (`messages.upsert`).
    public var name: String {
        switch self {
        case .messagesUpsert: "messages.upsert"
        case .messagesUpdate: "messages.update"
        case .sendMessage: "send.message"
        case .connectionUpdate: "connection.update"
        case .qrcodeUpdated: "qrcode.updated"
        case .other(let name): name
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(_ character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}

/// Why a webhook body was refused with 422: the field and what is wrong with it.
public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code: `invalid_json`, `missing_field`, `invalid_field`, `event_mismatch`.
    public var code: String
    /// The JSON path of the field (`data.key.remoteJid`), "" for the whole body.
    public var field: String
    public var reason: String

    public init(_ code: String, field: String, _ reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    /// The 422 body: `{"error", "field", "detail"}`.
    public var json: JSONValue {
        ["error": .string(code), "field": .string(field), "detail": .string(reason)]
    }
}

/// The envelope Evolution POSTs for every event (1.8 and 2.x):
/// `{event, instance, data, destination, date_time, sender, server_url, apikey}`.
public struct WebhookEnvelope: Sendable, Equatable {
    public var event: EventKind
    /// The instance name on the Evolution server.
    public var instance: String
    /// The event's payload: an object, or (for some events) an array of objects.
    public var data: JSONValue
    /// The instance's API key, when the server exposes it (1.8: `EXPOSE_IN_FETCH_INSTANCES`).
    public var apiKey: String?
    public var serverURL: String?
    public var dateTime: String?
    /// The connected number's JID.
    public var sender: String?

    /// Parse a webhook body. `pathEvent` is the URL suffix of the per-event mode (`messages-upsert`),
    /// which must agree with the body's `event` when both are present.
    public static func parse(_ body: [UInt8], pathEvent: String? = nil) throws(PayloadError) -> WebhookEnvelope {
        let json: JSONValue
        do { json = try JSONValue(parsing: body) } catch {
            throw PayloadError("invalid_json", field: "", "the body is not JSON")
        }
        guard json.objectMembers != nil else {
            throw PayloadError("invalid_json", field: "", "the body is not a JSON object")
        }
        let fromPath = pathEvent.flatMap(EventKind.init(name:))
        let named = json["event"]
        if let named, named.stringValue == nil, !named.isNull {
            throw PayloadError("invalid_field", field: "event", "must be a string")
        }
        let fromBody = named?.stringValue.flatMap(EventKind.init(name:))
        if let fromPath, let fromBody, fromPath != fromBody {
            throw PayloadError(
                "event_mismatch", field: "event", "is \(fromBody.name) but the URL names \(fromPath.name)")
        }
        guard let event = fromBody ?? fromPath else {
            throw PayloadError("missing_field", field: "event", "is required")
        }
        guard let data = json["data"], !data.isNull else {
            throw PayloadError("missing_field", field: "data", "is required")
        }
        guard data.objectMembers != nil || data.arrayValue != nil else {
            throw PayloadError("invalid_field", field: "data", "must be an object or an array")
        }
        return WebhookEnvelope(
            event: event, instance: json["instance"]?.stringValue ?? "", data: data,
            apiKey: json["apikey"]?.stringValue, serverURL: json["server_url"]?.stringValue,
            dateTime: json["date_time"]?.stringValue, sender: json["sender"]?.stringValue)
    }

    /// The payload's items: `data` itself, or each object of an array `data`.
    public var items: [JSONValue] { data.arrayValue ?? [data] }
}
