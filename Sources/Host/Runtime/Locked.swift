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
    ///
    /// - Important: read a stored function value with ``load()``, not `withLock { $0 }`: the
    ///   inout access re-wraps (reabstracts) a function value on every write-back, and the
    ///   wrappers pile up until calling it overflows the stack.
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }

    /// A copy of the value, read without writing it back.
    func load() -> Value {
        lock.withLock { value }
    }
}
