import Glibc
import PluginAPI

/// Conversions between the ABI's `{ptr,len}` byte ranges and Swift values.
///
/// Everything here copies: a borrowed `sb_bytes_t` is valid only during the call that passed it.
extension sb_bytes_t {
    /// The bytes as a raw buffer (empty when `ptr` is NULL).
    var rawBuffer: UnsafeRawBufferPointer {
        guard let ptr, len > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: ptr, count: len)
    }

    /// A copy of the bytes.
    var array: [UInt8] { Array(rawBuffer) }

    /// The bytes as a String when they are valid UTF-8, else nil.
    var utf8String: String? {
        let buffer = rawBuffer
        if buffer.isEmpty { return "" }
        return String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// The bytes as a String, replacing invalid UTF-8 (for diagnostics only).
    var lossyString: String {
        String(decoding: rawBuffer, as: UTF8.self)
    }
}

/// Host-side allocation of `sb_owned_bytes_t`, released by `sb_host_api_t.bytes_free`.
enum OwnedBytes {
    /// Copy bytes into a fresh host allocation the plugin will own.
    static func make<C: Collection>(_ bytes: C) -> sb_owned_bytes_t where C.Element == UInt8 {
        let count = bytes.count
        guard count > 0, let memory = malloc(count) else { return sb_owned_bytes_t(ptr: nil, len: 0) }
        let typed = memory.bindMemory(to: UInt8.self, capacity: count)
        _ = UnsafeMutableBufferPointer(start: typed, count: count).initialize(from: bytes)
        return sb_owned_bytes_t(ptr: typed, len: count)
    }

    static func free(_ bytes: sb_owned_bytes_t) {
        if let ptr = bytes.ptr { Glibc.free(ptr) }
    }
}

/// A host-owned error buffer handed to a hook, read back as a String afterwards.
struct ErrorBuffer: ~Copyable {
    static let capacity = 1024
    private let storage: UnsafeMutablePointer<UInt8>
    var raw: sb_error_t

    init() {
        storage = .allocate(capacity: Self.capacity)
        raw = sb_error_t(
            struct_size: UInt32(MemoryLayout<sb_error_t>.size), reserved: 0,
            buf: storage, cap: Self.capacity, len: 0)
    }

    deinit { storage.deallocate() }

    /// The message the callee wrote, or nil when it wrote none.
    var message: String? {
        let len = min(raw.len, Self.capacity)
        guard len > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: storage, count: len), as: UTF8.self)
    }
}

/// Write a message into a plugin-provided error buffer (truncating), as the header's sb_error_set does.
func writeError(_ err: UnsafeMutablePointer<sb_error_t>?, _ message: String) {
    guard let err, let buf = err.pointee.buf, err.pointee.cap > 0 else { return }
    var n = 0
    for byte in message.utf8 {
        if n >= err.pointee.cap { break }
        buf[n] = byte
        n += 1
    }
    err.pointee.len = n
}
