/// One HTTP header.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first header named `name` (ASCII case-insensitive).
    public func first(named name: String) -> String? {
        let wanted = name.lowercased()
        return first(where: { $0.name.lowercased() == wanted })?.value
    }
}

// MARK: - Inbound requests

/// An HTTP request on one of the plugin's routes, copied out of the host's buffers.
public struct HTTPRequest: Sendable {
    /// Index into `PluginDescription.routes`.
    public let routeIndex: Int
    /// The matched route (`nil` only if the host sent an index outside the descriptor).
    public let route: Route?
    public let method: String
    /// The full request path, e.g. `/webhook/echo/main/hello`.
    public let path: String
    /// The part after the instance mount, e.g. `/hello` (always starts with `/`).
    public let subpath: String
    /// The raw query string without `?`.
    public let query: String
    /// The client's IP address as text, may be empty.
    public let remoteAddress: String
    public let headers: [HTTPHeader]
    public let body: [UInt8]

    public init(
        routeIndex: Int = 0, route: Route? = nil, method: String, path: String, subpath: String? = nil,
        query: String = "", remoteAddress: String = "", headers: [HTTPHeader] = [], body: [UInt8] = []
    ) {
        self.routeIndex = routeIndex
        self.route = route
        self.method = method
        self.path = path
        self.subpath = subpath ?? path
        self.query = query
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers.first(named: name) }

    /// The body decoded as UTF-8 (invalid sequences repaired).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Size of the 1.0 request struct: the host's struct_size must cover it.
    static let v1_0Size =
        MemoryLayout<sb_http_request_t>.offset(of: \sb_http_request_t.body)!
        + MemoryLayout<sb_bytes_t>.size

    init(_ r: UnsafePointer<sb_http_request_t>, routes: [Route]) throws {
        guard Int(r.pointee.struct_size) >= Self.v1_0Size else {
            throw PluginError(.invalidArgument, "sb_http_request_t.struct_size \(r.pointee.struct_size) too small")
        }
        let req = r.pointee
        let index = Int(req.route_index)
        var headers: [HTTPHeader] = []
        if req.header_count > 0, let h = req.headers {
            headers.reserveCapacity(req.header_count)
            for i in 0..<req.header_count {
                headers.append(HTTPHeader(h[i].name.string, h[i].value.string))
            }
        }
        self.init(
            routeIndex: index, route: routes.indices.contains(index) ? routes[index] : nil,
            method: req.method.string, path: req.path.string, subpath: req.subpath.string,
            query: req.query.string, remoteAddress: req.remote_address.string,
            headers: headers, body: req.body.len == 0 ? [] : req.body.array)
    }
}

// MARK: - Responses

/// The answer channel of one HTTP request. Answer exactly once: either `send`,
/// or `openStream` then any number of writes and `close()`. Usable from any
/// thread, during `handle` or after it returned `.pending`.
public struct HTTPResponder: Sendable {
    let table: HostTable
    let handle: sb_response_t

    init(table: HostTable, handle: sb_response_t) {
        self.table = table
        self.handle = handle
    }

    /// Send a complete response.
    public func send(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) throws {
        let code = try Self.statusCode(status)
        try withHeaders(headers) { h, n in
            try withBytes(body) { b in
                try check(table.raw.pointee.response_send(handle, code, h, n, b), "response_send")
            }
        }
    }

    /// Send a text body (default content type `text/plain; charset=utf-8`).
    public func send(status: Int, text: String, contentType: String = "text/plain; charset=utf-8") throws {
        try send(status: status, headers: [HTTPHeader("content-type", contentType)], body: Array(text.utf8))
    }

    /// Send a JSON body with content type `application/json`.
    public func send(status: Int, json: JSONValue, headers: [HTTPHeader] = []) throws {
        try send(
            status: status, headers: [HTTPHeader("content-type", "application/json")] + headers,
            body: json.jsonBytes)
    }

    /// Start a streamed response (for example `text/event-stream`).
    public func openStream(status: Int, headers: [HTTPHeader] = []) throws -> ResponseStream {
        let code = try Self.statusCode(status)
        try withHeaders(headers) { h, n in
            try check(table.raw.pointee.response_stream_open(handle, code, h, n), "response_stream_open")
        }
        return ResponseStream(table: table, handle: handle)
    }

    static func statusCode(_ status: Int) throws -> UInt32 {
        guard (100...999).contains(status) else {
            throw PluginError(.invalidArgument, "HTTP status \(status) out of range")
        }
        return UInt32(status)
    }
}

/// An open streamed response. `write` throws `.unavailable` once the client has gone: stop writing then.
public struct ResponseStream: Sendable {
    let table: HostTable
    let handle: sb_response_t

    /// Send one chunk.
    public func write(_ chunk: [UInt8]) throws {
        try withBytes(chunk) { try check(table.raw.pointee.response_stream_write(handle, $0), "response_stream_write") }
    }

    /// Send one chunk of UTF-8 text.
    public func write(_ text: String) throws {
        try withBytes(text) { try check(table.raw.pointee.response_stream_write(handle, $0), "response_stream_write") }
    }

    /// End the stream and retire the handle. Closing twice is harmless.
    public func close() {
        _ = table.raw.pointee.response_stream_close(handle)
    }
}

// MARK: - Outbound HTTP (host->http_fetch)

/// An outbound HTTP request made through the host.
public struct HTTPFetchRequest: Sendable {
    public var method: String
    /// Absolute http:// or https:// URL.
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// 0: the host's default (30 s).
    public var timeoutMs: UInt32

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
        timeoutMs: UInt32 = 0
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
    }
}

/// The answer to an outbound HTTP request. A non-2xx status is not an error.
public struct HTTPFetchResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers.first(named: name) }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    public func json() throws -> JSONValue { try JSONValue(parsing: body) }
}
