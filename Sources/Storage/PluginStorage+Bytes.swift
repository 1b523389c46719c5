/// `[UInt8]` conveniences over the borrowed-buffer KV calls, for Swift
/// callers and tests. Each forwards to the `UnsafeRawBufferPointer` form.
extension PluginStorage {
    /// `kvGet(_:)` for an array key.
    public func kvGet(_ key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { try kvGet($0) }
    }

    /// ``kvPut(key:value:ttlMs:)`` for array arguments.
    public func kvPut(key: [UInt8], value: [UInt8], ttlMs: UInt64 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { try kvPut(key: keyBytes, value: $0, ttlMs: ttlMs) }
        }
    }

    /// ``kvDelete(key:)`` for an array key.
    @discardableResult
    public func kvDelete(key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try kvDelete(key: $0) }
    }

    /// ``kvList(prefix:startAfter:limit:)`` for array arguments; nil or empty
    /// `startAfter` lists from the start.
    public func kvList(prefix: [UInt8] = [], startAfter: [UInt8]? = nil, limit: Int = 0) throws
        -> (keys: [[UInt8]], next: [UInt8]?)
    {
        try prefix.withUnsafeBytes { prefixBytes in
            try (startAfter ?? []).withUnsafeBytes { try kvList(prefix: prefixBytes, startAfter: $0, limit: limit) }
        }
    }

    /// ``kvCompareAndSwap(key:expected:desired:ttlMs:)`` for array arguments.
    public func kvCompareAndSwap(key: [UInt8], expected: [UInt8]?, desired: [UInt8]?, ttlMs: UInt64 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try Self.withOptionalBytes(expected) { expectedBytes in
                try Self.withOptionalBytes(desired) { desiredBytes in
                    try kvCompareAndSwap(key: keyBytes, expected: expectedBytes, desired: desiredBytes, ttlMs: ttlMs)
                }
            }
        }
    }

    private static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R)
        rethrows -> R
    {
        guard let bytes else { return try body(nil) }
        return try bytes.withUnsafeBytes { try body($0) }
    }
}
