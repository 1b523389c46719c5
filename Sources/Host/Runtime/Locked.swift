import NIOConcurrencyHelpers

/// A value guarded by a pthread mutex (NIOLock).
///
/// The host uses this rather than `Synchronization.Mutex`: on Linux, Mutex locks with raw futex
/// calls that ThreadSanitizer cannot see, so every access it guards shows up as a false race.
/// A pthread mutex keeps `swift test --sanitize=thread` meaningful.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NIOLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Run `body` with exclusive access to the value.
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}
