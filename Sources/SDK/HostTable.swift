#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The host's service table (`sb_host_api_t`). Host-owned, constant, valid
/// until after `on_shutdown` returns, callable from any thread.
struct HostTable: @unchecked Sendable {
    let raw: UnsafePointer<sb_host_api_t>

    /// Bytes a host must provide for every slot of ABI 1.0 (the last 1.0 slot is `output_write`).
    /// A slot added in a later minor is usable only when `has(\.slot)` is true.
    static let v1_0Size =
        MemoryLayout<sb_host_api_t>.offset(of: \sb_host_api_t.output_write)!
        + MemoryLayout<UnsafeRawPointer>.size

    /// True when the host's table is large enough to contain `slot`.
    func has<T>(_ slot: KeyPath<sb_host_api_t, T>) -> Bool {
        guard let offset = MemoryLayout<sb_host_api_t>.offset(of: slot) else { return false }
        return Int(raw.pointee.struct_size) >= offset + MemoryLayout<T>.size
    }

    /// Checks the table before first use: major version, size and every 1.0 slot non-NULL.
    static func validate(_ host: UnsafePointer<sb_host_api_t>) -> String? {
        let t = host.pointee
        if t.abi_major != UInt16(SB_ABI_MAJOR) {
            return "host ABI major \(t.abi_major) is not \(SB_ABI_MAJOR)"
        }
        if Int(t.struct_size) < v1_0Size {
            return "host table struct_size \(t.struct_size) is smaller than ABI 1.0's \(v1_0Size)"
        }
        let slots: [(String, Bool)] = [
            ("bytes_free", t.bytes_free != nil), ("log", t.log != nil), ("config_get", t.config_get != nil),
            ("kv_get", t.kv_get != nil), ("kv_put", t.kv_put != nil), ("kv_delete", t.kv_delete != nil),
            ("kv_list", t.kv_list != nil), ("kv_cas", t.kv_cas != nil), ("sql_exec", t.sql_exec != nil),
            ("sql_query", t.sql_query != nil), ("http_fetch", t.http_fetch != nil),
            ("inbound_deliver", t.inbound_deliver != nil), ("timer_start", t.timer_start != nil),
            ("timer_cancel", t.timer_cancel != nil), ("counter_add", t.counter_add != nil),
            ("histogram_record", t.histogram_record != nil), ("response_send", t.response_send != nil),
            ("response_stream_open", t.response_stream_open != nil),
            ("response_stream_write", t.response_stream_write != nil),
            ("response_stream_close", t.response_stream_close != nil), ("output_write", t.output_write != nil),
        ]
        if let missing = slots.first(where: { !$0.1 }) {
            return "host table slot \(missing.0) is NULL"
        }
        return nil
    }

    func log(_ instance: sb_instance_t, _ level: LogLevel, _ message: String) {
        withBytes(message) { raw.pointee.log(instance, level.rawValue, $0) }
    }

    /// Copy host-owned bytes into an array and release them.
    func take(_ owned: sb_owned_bytes_t) -> [UInt8] {
        defer { raw.pointee.bytes_free(owned) }
        return Array(UnsafeBufferPointer(start: owned.ptr, count: owned.len))
    }

    /// Parse host-owned JSON and release it.
    func takeJSON(_ owned: sb_owned_bytes_t) throws -> JSONValue {
        defer { raw.pointee.bytes_free(owned) }
        return try JSONValue.parse(UnsafeBufferPointer(start: owned.ptr, count: owned.len))
    }

    /// Run a host call that takes an `sb_error_t`; throw its message when it fails.
    func callWithError(_ what: StaticString, _ body: (UnsafeMutablePointer<sb_error_t>) -> sb_status_t) throws {
        let capacity = 1024
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buf in
            var err = sb_error_t(
                struct_size: UInt32(MemoryLayout<sb_error_t>.size), reserved: 0,
                buf: buf.baseAddress, cap: capacity, len: 0)
            let status = withUnsafeMutablePointer(to: &err) { body($0) }
            if status != SB_OK {
                let n = min(err.len, capacity)
                let message = String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
                throw hostError(status, what, message)
            }
        }
    }
}

// MARK: - Byte helpers

extension sb_bytes_t {
    @inline(__always)
    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: ptr, count: len) }
    var string: String { String(decoding: buffer, as: UTF8.self) }
    var array: [UInt8] { Array(buffer) }
}

/// Borrow a String's UTF-8 as sb_bytes_t for the duration of `body`.
@inline(__always)
func withBytes<R>(_ string: String, _ body: (sb_bytes_t) throws -> R) rethrows -> R {
    var string = string
    return try string.withUTF8 { try body(sb_bytes_t(ptr: $0.baseAddress, len: $0.count)) }
}

/// Borrow an array's bytes as sb_bytes_t for the duration of `body`.
@inline(__always)
func withBytes<R>(_ array: [UInt8], _ body: (sb_bytes_t) throws -> R) rethrows -> R {
    try array.withUnsafeBufferPointer { try body(sb_bytes_t(ptr: $0.baseAddress, len: $0.count)) }
}

/// Borrow headers as a C array of sb_header_t for the duration of `body`
/// (one buffer holds every name and value).
func withHeaders<R>(
    _ headers: [HTTPHeader], _ body: (UnsafePointer<sb_header_t>?, Int) throws -> R
) rethrows -> R {
    if headers.isEmpty { return try body(nil, 0) }
    var storage: [UInt8] = []
    var spans: [(Int, Int, Int, Int)] = []
    spans.reserveCapacity(headers.count)
    for h in headers {
        let n = storage.count
        storage.append(contentsOf: h.name.utf8)
        let v = storage.count
        storage.append(contentsOf: h.value.utf8)
        spans.append((n, v - n, v, storage.count - v))
    }
    return try storage.withUnsafeBufferPointer { base in
        let c = spans.map { s in
            sb_header_t(
                name: sb_bytes_t(ptr: base.baseAddress.map { $0 + s.0 }, len: s.1),
                value: sb_bytes_t(ptr: base.baseAddress.map { $0 + s.2 }, len: s.3))
        }
        return try c.withUnsafeBufferPointer { try body($0.baseAddress, $0.count) }
    }
}

/// A process-wide mutex that is never destroyed (for the once-per-library registration).
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
