/// The host services of one instance (a wrapper over `sb_host_api_t` bound to
/// its `sb_instance_t`). `Sendable`: keep it and use it from any thread until
/// the instance's `stop()` returns.
///
/// Storage (`kv`, `sql`) is scoped by the host to this instance's tenant and plugin.
public struct InstanceContext: Sendable {
    let table: HostTable
    let handle: sb_instance_t
    /// The configuration the instance was started with.
    public let config: InstanceConfig

    init(table: HostTable, handle: sb_instance_t, config: InstanceConfig) {
        self.table = table
        self.handle = handle
        self.config = config
    }

    /// Log a line with the instance's context (tenant, plugin, instance) attached.
    public func log(_ level: LogLevel, _ message: String) {
        table.log(handle, level, message)
    }

    /// The instance's current configuration, read from the host.
    public func currentConfig() throws -> InstanceConfig {
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        try check(table.raw.pointee.config_get(handle, &out), "config_get")
        return try InstanceConfig(json: table.takeJSON(out))
    }

    /// Hand an inbound message to the conversation core; it is durably stored when this returns.
    /// A redelivered `externalID` returns a receipt with `duplicate == true`.
    @discardableResult
    public func deliverInbound(_ message: InboundMessage) throws -> InboundReceipt {
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        let json = message.json.jsonBytes
        try table.callWithError("inbound_deliver") { err in
            withBytes(json) { table.raw.pointee.inbound_deliver(handle, $0, &out, err) }
        }
        if out.ptr == nil { return InboundReceipt(json: .null) }
        return InboundReceipt(json: try table.takeJSON(out))
    }

    /// What the channel reports about an outbound message this instance sent (ABI 1.1): its
    /// provider id (from ``SendResult``) and new status. Statuses only move forward; a stale
    /// report changes nothing. Throws `notFound` for an id this instance never sent, and
    /// `unsupported` on a 1.0 host.
    public func reportStatus(externalID: String, status: DeliveryStatus, detail: String = "") throws {
        guard table.has(\.message_status), let report = table.raw.pointee.message_status else {
            throw PluginError(.unsupported, "the host predates ABI 1.1 (message_status)")
        }
        let id = Array(externalID.utf8)
        let name = Array(status.rawValue.utf8)
        let reason = Array(detail.utf8)
        try check(withBytes(id) { idBytes in withBytes(name) { nameBytes in withBytes(reason) { report(handle, idBytes, nameBytes, $0) } } }, "message_status")
    }

    /// Publish the channel's own view of this instance (ABI 1.2): a JSON object such as
    /// `{"connection": "open"}` or a pairing QR code, which the host keeps and shows operators
    /// as the instance's `channel_status`. Each call replaces the previous object; at most 256 KiB;
    /// never put secrets in it. Throws `unsupported` on a host before 1.2.
    public func publishStatus(_ status: JSONValue) throws {
        guard table.has(\.instance_status_set), let publish = table.raw.pointee.instance_status_set else {
            throw PluginError(.unsupported, "the host predates ABI 1.2 (instance_status_set)")
        }
        guard status.objectMembers != nil else {
            throw PluginError(.invalidArgument, "a channel status is a JSON object")
        }
        try check(withBytes(status.jsonBytes) { publish(handle, $0) }, "instance_status_set")
    }

    /// A contact's messages on this instance (ABI 1.3): the newest `limit` (1...200) before
    /// `before` (a cursor from an earlier page), oldest first, across the contact's
    /// conversations or those of `threadKey`. Throws `unsupported` on an older host.
    public func conversationHistory(
        contact: String, threadKey: String? = nil, limit: Int = 50, before: String? = nil
    ) throws -> HistoryPage {
        guard table.has(\.conversation_history), let read = table.raw.pointee.conversation_history else {
            throw PluginError(.unsupported, "the host predates ABI 1.3 (conversation_history)")
        }
        var query: [(key: String, value: JSONValue)] = [
            (key: "contact", value: .string(contact)), (key: "limit", value: .integer(Int64(limit))),
        ]
        if let threadKey { query.append((key: "thread_key", value: .string(threadKey))) }
        if let before { query.append((key: "before", value: .string(before))) }
        let bytes = JSONValue.object(query).jsonBytes
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        try table.callWithError("conversation_history") { err in withBytes(bytes) { read(handle, $0, &out, err) } }
        let json = try table.takeJSON(out)
        return HistoryPage(
            messages: (json["items"]?.arrayValue ?? []).compactMap(HistoryMessage.init(json:)),
            nextCursor: json["next_cursor"]?.stringValue)
    }

    /// Erase a contact of this instance with its conversations and messages (ABI 1.3), e.g. a
    /// visitor deleting their chat. No error when it is unknown. Throws `unsupported` on an older host.
    public func forgetContact(_ contact: String) throws {
        guard table.has(\.contact_forget), let forget = table.raw.pointee.contact_forget else {
            throw PluginError(.unsupported, "the host predates ABI 1.3 (contact_forget)")
        }
        try check(withBytes(contact) { forget(handle, $0) }, "contact_forget")
    }

    /// Key-value storage.
    public var kv: KeyValueStore { KeyValueStore(table: table, handle: handle) }
    /// The plugin's SQL database (SQLite dialect) with the descriptor's migrations applied.
    public var sql: SQLDatabase { SQLDatabase(table: table, handle: handle) }
    /// Outbound HTTP through the host.
    public var http: HTTPClient { HTTPClient(table: table, handle: handle) }
    /// Timers that call `ChannelInstance.timerFired`.
    public var timers: Timers { Timers(table: table, handle: handle) }
    /// Counters and histograms, labelled by the host with plugin, tenant and instance.
    public var metrics: Metrics { Metrics(table: table, handle: handle) }
}

// MARK: - Key-value storage

/// Key-value storage scoped to (tenant, plugin). Keys are 1...1024 bytes of UTF-8; values at most 16 MiB.
public struct KeyValueStore: Sendable {
    let table: HostTable
    let handle: sb_instance_t

    /// The value, or `nil` when absent or expired.
    public func get(_ key: String) throws -> [UInt8]? {
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        let status = withBytes(key) { table.raw.pointee.kv_get(handle, $0, &out) }
        if status == SB_ERR_NOT_FOUND { return nil }
        try check(status, "kv_get")
        return table.take(out)
    }

    /// The value decoded as UTF-8, or `nil` when absent.
    public func getString(_ key: String) throws -> String? {
        try get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Write a value; `ttlMs` 0 keeps it until deleted.
    public func put(_ key: String, _ value: [UInt8], ttlMs: UInt64 = 0) throws {
        let status = withBytes(key) { k in withBytes(value) { v in table.raw.pointee.kv_put(handle, k, v, ttlMs) } }
        try check(status, "kv_put")
    }

    /// Write a UTF-8 string value.
    public func put(_ key: String, _ value: String, ttlMs: UInt64 = 0) throws {
        try put(key, Array(value.utf8), ttlMs: ttlMs)
    }

    /// Delete a key (no error when it did not exist).
    public func delete(_ key: String) throws {
        try check(withBytes(key) { table.raw.pointee.kv_delete(handle, $0) }, "kv_delete")
    }

    /// Keys starting with `prefix`, in byte order, after `startAfter`; `limit` 0 means 1000 (the cap).
    public func list(prefix: String = "", startAfter: String = "", limit: UInt32 = 0) throws -> KVPage {
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        let status = withBytes(prefix) { p in
            withBytes(startAfter) { s in table.raw.pointee.kv_list(handle, p, s, limit, &out) }
        }
        try check(status, "kv_list")
        let json = try table.takeJSON(out)
        return KVPage(
            keys: json["keys"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            next: json["next"]?.stringValue)
    }

    /// Compare-and-swap. `expected == nil`: the key must be absent; `desired == nil`: delete on success.
    /// Returns false when the comparison failed (`SB_ERR_CONFLICT`).
    @discardableResult
    public func compareAndSwap(_ key: String, expected: [UInt8]?, desired: [UInt8]?, ttlMs: UInt64 = 0) throws
        -> Bool
    {
        let status = withBytes(key) { k in
            withOptionalBytes(expected) { e in
                withOptionalBytes(desired) { d in table.raw.pointee.kv_cas(handle, k, e, d, ttlMs) }
            }
        }
        if status == SB_ERR_CONFLICT { return false }
        try check(status, "kv_cas")
        return true
    }

    /// Compare-and-swap with UTF-8 string values.
    @_disfavoredOverload
    @discardableResult
    public func compareAndSwap(_ key: String, expected: String?, desired: String?, ttlMs: UInt64 = 0) throws
        -> Bool
    {
        try compareAndSwap(
            key, expected: expected.map { Array($0.utf8) }, desired: desired.map { Array($0.utf8) },
            ttlMs: ttlMs)
    }

    private func withOptionalBytes<R>(_ value: [UInt8]?, _ body: (UnsafePointer<sb_bytes_t>?) -> R) -> R {
        guard let value else { return body(nil) }
        return withBytes(value) { b in withUnsafePointer(to: b) { body($0) } }
    }
}

/// One page of `KeyValueStore.list`.
public struct KVPage: Sendable, Equatable {
    public var keys: [String]
    /// Pass as `startAfter` to read the next page; `nil` when no more keys remain.
    public var next: String?
}

// MARK: - SQL

/// A SQL value: a bound parameter or a result cell.
public enum SQLValue: Sendable, Hashable, ExpressibleByNilLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral
{
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }

    public var intValue: Int64? { if case .integer(let i) = self { return i } else { return nil } }
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return nil
        }
    }
    public var stringValue: String? { if case .text(let s) = self { return s } else { return nil } }
    public var blobValue: [UInt8]? { if case .blob(let b) = self { return b } else { return nil } }
}

/// A bound SQL parameter (`?1`, `?2`, ... or `?`).
public typealias SQLParameter = SQLValue

/// The result of `SQLDatabase.query`.
public struct QueryRows: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    /// The value of `column` in row `row`, if both exist.
    public func value(_ row: Int, _ column: String) -> SQLValue? {
        guard rows.indices.contains(row), let c = columns.firstIndex(of: column), rows[row].indices.contains(c)
        else { return nil }
        return rows[row][c]
    }
}

/// The plugin's own SQLite-dialect database for (tenant, plugin). One statement per call.
public struct SQLDatabase: Sendable {
    let table: HostTable
    let handle: sb_instance_t

    /// Run a statement; returns the number of rows changed.
    @discardableResult
    public func execute(_ sql: String, _ params: [SQLParameter] = []) throws -> Int64 {
        var changes: Int64 = 0
        try withParams(params) { p, n in
            try table.callWithError("sql_exec") { err in
                withBytes(sql) { table.raw.pointee.sql_exec(handle, $0, p, n, &changes, err) }
            }
        }
        return changes
    }

    /// Run a query and return its rows (BLOBs decoded from the host's base64).
    public func query(_ sql: String, _ params: [SQLParameter] = []) throws -> QueryRows {
        var out = sb_owned_bytes_t(ptr: nil, len: 0)
        try withParams(params) { p, n in
            try table.callWithError("sql_query") { err in
                withBytes(sql) { table.raw.pointee.sql_query(handle, $0, p, n, &out, err) }
            }
        }
        let json = try table.takeJSON(out)
        let columns = json["columns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let rows = (json["rows"]?.arrayValue ?? []).map { row in
            (row.arrayValue ?? []).map { cell -> SQLValue in
                switch cell {
                case .null: return .null
                case .bool(let b): return .integer(b ? 1 : 0)
                case .integer(let i): return .integer(i)
                case .number(let d): return .real(d)
                case .string(let s): return .text(s)
                case .object:
                    if let b64 = cell["base64"]?.stringValue, let bytes = Base64.decode(b64) { return .blob(bytes) }
                    return .text(cell.jsonString)
                case .array: return .text(cell.jsonString)
                }
            }
        }
        return QueryRows(columns: columns, rows: rows)
    }

    /// Lay the parameters out as sb_sql_value_t, with every TEXT/BLOB in one buffer.
    private func withParams<R>(_ params: [SQLParameter], _ body: (UnsafePointer<sb_sql_value_t>?, Int) throws -> R)
        rethrows -> R
    {
        if params.isEmpty { return try body(nil, 0) }
        var storage: [UInt8] = []
        var spans: [(Int, Int)] = []
        for p in params {
            let start = storage.count
            switch p {
            case .text(let s): storage.append(contentsOf: s.utf8)
            case .blob(let b): storage.append(contentsOf: b)
            default: break
            }
            spans.append((start, storage.count - start))
        }
        return try storage.withUnsafeBufferPointer { base in
            var values: [sb_sql_value_t] = []
            values.reserveCapacity(params.count)
            for (i, p) in params.enumerated() {
                var v = sb_sql_value_t(
                    type: SB_SQL_NULL, reserved: 0, integer: 0, real: 0,
                    bytes: sb_bytes_t(ptr: nil, len: 0))
                switch p {
                case .null: break
                case .integer(let x): v.type = SB_SQL_INTEGER; v.integer = x
                case .real(let x): v.type = SB_SQL_REAL; v.real = x
                case .text, .blob:
                    v.type = { if case .text = p { return SB_SQL_TEXT } else { return SB_SQL_BLOB } }()
                    v.bytes = sb_bytes_t(ptr: base.baseAddress.map { $0 + spans[i].0 }, len: spans[i].1)
                }
                values.append(v)
            }
            return try values.withUnsafeBufferPointer { try body($0.baseAddress, $0.count) }
        }
    }
}

// MARK: - Outbound HTTP

/// Outbound HTTP through the host (`http_fetch`). Blocks the calling thread until the answer.
public struct HTTPClient: Sendable {
    let table: HostTable
    let handle: sb_instance_t

    /// Perform the request. Network failures throw (`.io`, `.timeout`, ...); a non-2xx status does not.
    public func fetch(_ request: HTTPFetchRequest) throws -> HTTPFetchResponse {
        var out = sb_http_fetch_response_t(
            struct_size: UInt32(MemoryLayout<sb_http_fetch_response_t>.size), status: 0,
            headers_json: sb_owned_bytes_t(ptr: nil, len: 0), body: sb_owned_bytes_t(ptr: nil, len: 0))
        try withHeaders(request.headers) { h, n in
            try withBytes(request.method) { method in
                try withBytes(request.url) { url in
                    try withBytes(request.body) { body in
                        var req = sb_http_fetch_request_t(
                            struct_size: UInt32(MemoryLayout<sb_http_fetch_request_t>.size),
                            timeout_ms: request.timeoutMs, method: method, url: url, headers: h, header_count: n,
                            body: body)
                        try table.callWithError("http_fetch") { err in
                            table.raw.pointee.http_fetch(handle, &req, &out, err)
                        }
                    }
                }
            }
        }
        let body = table.take(out.body)
        let headerJSON = out.headers_json.len == 0 ? JSONValue.array([]) : try table.takeJSON(out.headers_json)
        let headers = (headerJSON.arrayValue ?? []).compactMap { pair -> HTTPHeader? in
            guard let name = pair[0]?.stringValue, let value = pair[1]?.stringValue else { return nil }
            return HTTPHeader(name, value)
        }
        return HTTPFetchResponse(status: Int(out.status), headers: headers, body: body)
    }
}

// MARK: - Timers and metrics

/// The host's handle of one timer.
public struct TimerHandle: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// Timers that call `ChannelInstance.timerFired`; they end when the instance stops.
public struct Timers: Sendable {
    let table: HostTable
    let handle: sb_instance_t

    /// Fire after `delayMs`, then every `intervalMs` if it is above 0.
    @discardableResult
    public func start(delayMs: UInt64, intervalMs: UInt64 = 0, userData: UInt64 = 0) throws -> TimerHandle {
        var timer: sb_timer_t = 0
        try check(table.raw.pointee.timer_start(handle, delayMs, intervalMs, userData, &timer), "timer_start")
        return TimerHandle(rawValue: timer)
    }

    /// Cancel a timer. Throws `.invalidHandle` when it is unknown or already finished.
    public func cancel(_ timer: TimerHandle) throws {
        try check(table.raw.pointee.timer_cancel(handle, timer.rawValue), "timer_cancel")
    }
}

/// Counters and histograms. Names: `[a-z0-9_]`, 1...64 bytes. Metrics never throw:
/// they return false when the host refused the observation (for example a bad name).
public struct Metrics: Sendable {
    let table: HostTable
    let handle: sb_instance_t

    @discardableResult
    public func counter(_ name: String, _ delta: UInt64 = 1) -> Bool {
        withBytes(name) { table.raw.pointee.counter_add(handle, $0, delta) } == SB_OK
    }

    @discardableResult
    public func histogram(_ name: String, _ value: Double) -> Bool {
        withBytes(name) { table.raw.pointee.histogram_record(handle, $0, value) } == SB_OK
    }
}
