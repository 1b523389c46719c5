/// A counting semaphore for async code: at most `permits` holders at a time, waiters resumed in
/// order. Waiting suspends the task; it never blocks a thread.
final class AsyncSemaphore: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Locked<State>

    init(permits: Int) {
        state = Locked(State(free: max(1, permits)))
    }

    func withPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { state in
                guard state.free > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()  // the permit passes straight to the next waiter
        }
        next?.resume()
    }
}

/// A lock for async code: one holder at a time, waiters resumed in order.
/// Serializes the runtime's structural changes (loads, instance starts and stops).
final class AsyncLock: Sendable {
    private let semaphore = AsyncSemaphore(permits: 1)

    func withLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await semaphore.withPermit(body)
    }
}
