import Synchronization

/// A table of opaque 64-bit handles the host gives plugins, mapping back to host objects.
///
/// Handles are never pointers and never reused: the top byte names the table (so a timer
/// handle passed where a response handle is expected is refused) and the other 56 bits are
/// random, so one plugin cannot guess another plugin's live handles.
/// Looking up an unknown, stale or foreign handle returns nil, which the host services turn
/// into `SB_ERR_INVALID_HANDLE`.
final class HandleTable<Value: AnyObject & Sendable>: Sendable {
    private struct State {
        var values: [UInt64: Value] = [:]
        var generator = SystemRandomNumberGenerator()

        /// A fresh handle: random low 56 bits, never 0, never live.
        mutating func newHandle(tag: UInt64) -> UInt64 {
            while true {
                let handle = tag | (generator.next() & 0x00FF_FFFF_FFFF_FFFF)
                if handle != tag, values[handle] == nil { return handle }
            }
        }
    }

    private let tag: UInt64
    private let state = Locked(State())

    /// - Parameter tag: 1...255, distinct per table.
    init(tag: UInt8) {
        self.tag = UInt64(tag) << 56
    }

    /// Register a value and return its new handle.
    func insert(_ value: Value) -> UInt64 {
        state.withLock { state in
            let handle = state.newHandle(tag: tag)
            state.values[handle] = value
            return handle
        }
    }

    /// Register a value built from its own handle (for values that must know their handle).
    func insert(make: (UInt64) -> Value) -> Value {
        state.withLock { state in
            let handle = state.newHandle(tag: tag)
            let value = make(handle)
            state.values[handle] = value
            return value
        }
    }

    /// The value behind a handle, or nil when the handle is unknown, stale or of another table.
    func lookup(_ handle: UInt64) -> Value? {
        guard handle & 0xFF00_0000_0000_0000 == tag else { return nil }
        return state.withLock { $0.values[handle] }
    }

    /// Retire a handle; later lookups fail. Returns the value it held.
    @discardableResult
    func remove(_ handle: UInt64) -> Value? {
        state.withLock { $0.values.removeValue(forKey: handle) }
    }

    /// How many handles are live (for tests and diagnostics).
    var count: Int { state.withLock { $0.values.count } }
}

/// The handle tables of this process.
///
/// - Important: These are the host's only process-wide state. They must be global because the
///   C host-services table has no context pointer: every service resolves its handle here.
enum HostHandles {
    static let instances = HandleTable<RuntimeInstance>(tag: 0x01)
    static let responses = HandleTable<ResponseSlot>(tag: 0x02)
    static let timers = HandleTable<TimerEntry>(tag: 0x03)
    static let outputs = HandleTable<OutputBuffer>(tag: 0x04)
}

/// Bytes a plugin writes into an `sb_output_t` during one hook call.
final class OutputBuffer: Sendable {
    static let limit = 16 * 1024 * 1024
    private let bytes = Locked<[UInt8]>([])

    /// Append, refusing to grow past `limit`.
    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        bytes.withLock { bytes in
            guard bytes.count + chunk.count <= Self.limit else { return false }
            bytes.append(contentsOf: chunk)
            return true
        }
    }

    var contents: [UInt8] { bytes.withLock { $0 } }
}
