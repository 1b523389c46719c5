import SwitchboardSDK

/// The plugin's HTTP routes: the provider's webhooks (instance mount) and the tenant API.
enum Routes {
    static let health = Route("GET", "/health")
    static let inbound = Route("POST", "/")
    static let status = Route("POST", "/status")

    static func api(_ method: String, _ path: String) -> Route { Route(method, path, mount: .tenantAPI) }

    static let numbers = api("GET", "/numbers")
    static let createNumber = api("POST", "/numbers")
    static let quarantine = api("POST", "/numbers/{id}/quarantine")
    static let release = api("POST", "/numbers/{id}/release")
    static let restore = api("POST", "/numbers/{id}/restore")
    static let sitters = api("GET", "/sitters")
    static let createSitter = api("POST", "/sitters")
    static let activate = api("POST", "/sitters/{id}/activate")
    static let deactivate = api("POST", "/sitters/{id}/deactivate")
    static let clients = api("GET", "/clients")
    static let createClient = api("POST", "/clients")
    static let bookings = api("GET", "/bookings")
    static let createBooking = api("POST", "/bookings")
    static let confirm = api("POST", "/bookings/{id}/confirm")
    static let cancel = api("POST", "/bookings/{id}/cancel")
    static let threads = api("GET", "/threads")
    static let threadTraces = api("GET", "/threads/{id}/traces")
    static let traces = api("GET", "/traces")
    static let audit = api("GET", "/audit")
    static let messages = api("GET", "/messages")
    static let sendMessage = api("POST", "/messages")
    static let preview = api("GET", "/routing/preview")
    static let frontDesk = api("GET", "/front-desk")

    static let all = [
        health, inbound, status, numbers, createNumber, quarantine, release, restore, sitters, createSitter, activate,
        deactivate, clients, createClient, bookings, createBooking, confirm, cancel, threads, threadTraces, traces, audit,
        messages, sendMessage, preview, frontDesk,
    ]
}

/// A tenant API request: its path id, query and JSON body.
struct APIRequest {
    let request: HTTPRequest

    /// The `{id}` segment (the second one of the subpath).
    var id: Int64? {
        let parts = request.subpath.split(separator: "/")
        return parts.count > 1 ? Int64(parts[1]) : nil
    }

    /// A query parameter.
    func query(_ name: String) -> String? {
        FormURLEncoded.value(name, in: request.query)
    }

    /// The body as a JSON object (an empty body is `{}`).
    func body() throws -> JSONValue {
        if request.body.isEmpty { return .emptyObject }
        guard let json = try? JSONValue(parsing: request.body), json.objectMembers != nil else {
            throw APIError(status: 400, field: "body", message: "must be a JSON object")
        }
        return json
    }

    /// Who made the change: the body's `actor`, else the X-Actor header, else "tenant-api".
    func actor(_ body: JSONValue) -> String {
        body["actor"]?.stringValue ?? request.header("X-Actor") ?? "tenant-api"
    }
}

/// An error answered as JSON naming the field.
struct APIError: Error {
    var status: Int
    var field: String
    var message: String
}
