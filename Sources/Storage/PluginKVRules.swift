/// The rules every ``PluginStore`` applies to key-value calls, whatever the backend: key and
/// value limits, the bounds of a listing page, expiry times and the compare-and-swap comparison.
public enum PluginKVRules {
    /// Throws invalidArgument unless `key` is 1...1024 bytes of valid UTF-8.
    @inline(__always)
    public static func validateKey(_ key: UnsafeRawBufferPointer) throws {
        guard key.count >= 1, key.count <= PluginStorage.maxKeyBytes else {
            throw StorageError(
                .invalidArgument, "a key must be 1...\(PluginStorage.maxKeyBytes) bytes, not \(key.count)")
        }
        guard StorageSupport.isValidUTF8(key) else {
            throw StorageError(.invalidArgument, "a key must be valid UTF-8")
        }
    }

    /// Throws tooLarge when `value` exceeds 16 MiB.
    public static func validateValue(_ value: UnsafeRawBufferPointer) throws {
        guard value.count <= PluginStorage.maxValueBytes else {
            throw StorageError(
                .tooLarge, "a value must be at most \(PluginStorage.maxValueBytes) bytes, not \(value.count)")
        }
    }

    /// One page of a listing: keys `lower <= key < upper`, at most `pageSize` of them.
    public struct ListBounds: Sendable, Hashable {
        /// The smallest key of the page (inclusive).
        public var lower: [UInt8]
        /// The first byte string past the page (exclusive).
        public var upper: [UInt8]
        /// The most keys the page holds; ask for one more to learn whether more remain.
        public var pageSize: Int
    }

    /// The bounds of `kvList(prefix:startAfter:limit:)`.
    /// - Throws: invalidArgument for a prefix or startAfter over 1024 bytes or a negative limit.
    public static func listBounds(prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer, limit: Int)
        throws -> ListBounds
    {
        guard prefix.count <= PluginStorage.maxKeyBytes, startAfter.count <= PluginStorage.maxKeyBytes else {
            throw StorageError(
                .invalidArgument, "prefix and startAfter must be at most \(PluginStorage.maxKeyBytes) bytes")
        }
        guard limit >= 0 else { throw StorageError(.invalidArgument, "limit must not be negative") }
        let pageSize = limit == 0 ? PluginStorage.maxListLimit : min(limit, PluginStorage.maxListLimit)
        // Lower bound (inclusive): the larger of the prefix and the key right after startAfter.
        var lower = [UInt8](prefix)
        if !startAfter.isEmpty {
            let afterStart = [UInt8](startAfter) + [0]
            if afterStart.lexicographicallyPrecedes(lower) == false { lower = afterStart }
        }
        return ListBounds(lower: lower, upper: prefixEnd(prefix), pageSize: pageSize)
    }

    /// A page from up to `pageSize + 1` keys read in order: the keys, and `next` when more remain.
    public static func page(_ keys: [[UInt8]], pageSize: Int) -> (keys: [[UInt8]], next: [UInt8]?) {
        guard keys.count > pageSize else { return (keys, nil) }
        let kept = Array(keys.prefix(pageSize))
        return (kept, kept.last)
    }

    /// The smallest byte string greater than every string that starts with `prefix`. Keys are at
    /// most 1024 bytes, so 1025 × 0xFF is past them all when the prefix is empty or all 0xFF.
    public static func prefixEnd(_ prefix: UnsafeRawBufferPointer) -> [UInt8] {
        var end = [UInt8](prefix)
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [UInt8](repeating: 0xFF, count: PluginStorage.maxKeyBytes + 1)
    }

    /// The expiry time, in ms since the epoch, of an entry written at `now` with `ttlMs`
    /// (nil: never), saturating.
    public static func expiry(ttlMs: UInt64, now: Int64) -> Int64? {
        guard ttlMs > 0 else { return nil }
        let ttl = ttlMs > UInt64(Int64.max) ? Int64.max : Int64(ttlMs)
        let (sum, overflow) = now.addingReportingOverflow(ttl)
        return overflow ? Int64.max : sum
    }

    /// The comparison of compare-and-swap: passes when the live value `current` equals
    /// `expected` (both nil: the key is absent or expired).
    /// - Throws: conflict naming how they differ.
    public static func compare(current: [UInt8]?, expected: UnsafeRawBufferPointer?) throws {
        switch (current, expected) {
        case (nil, nil):
            return
        case (let current?, let expected?) where current.elementsEqual(expected):
            return
        case (nil, _?):
            throw StorageError(.conflict, "compare-and-swap failed: the key is absent")
        case (_?, nil):
            throw StorageError(.conflict, "compare-and-swap failed: the key exists")
        case (_?, _?):
            throw StorageError(.conflict, "compare-and-swap failed: the current value differs")
        }
    }

    /// Runs `body` with `bytes` borrowed, or with nil.
    static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        guard let bytes else { return try body(nil) }
        return try bytes.withUnsafeBytes { try body($0) }
    }
}
