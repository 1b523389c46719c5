import NIOCore
import Synchronization

/// The host side of one `sb_response_t`: where a plugin's answer to an HTTP request lands.
///
/// A slot is answered exactly once, either with a complete response or with a stream head
/// followed by chunks and a close. Calls may come from any thread, during or after the hook.
final class ResponseSlot: Sendable {
    /// What the server sends back first.
    enum Head: Sendable {
        case complete(status: Int, headers: [HeaderPair], body: [UInt8])
        case stream(status: Int, headers: [HeaderPair], body: AsyncStream<ByteBuffer>)
        case failed(reason: String)
    }

    private struct State {
        var answered = false
        var readyHead: Head?
        var headTaken = false
        var waiter: CheckedContinuation<Head, Never>?
        var stream: AsyncStream<ByteBuffer>.Continuation?
    }

    private let state = Locked(State())
    private let clientGone = Atomic<Bool>(false)

    /// True once a response or a stream head was given (or the slot was abandoned).
    var isAnswered: Bool { state.withLock { $0.answered } }

    /// A complete response. `unavailable` when the slot was already answered.
    func send(status: Int, headers: [HeaderPair], body: [UInt8]) -> ABIStatus {
        guard (100...599).contains(status) else { return .invalidArgument }
        return answer(with: .complete(status: status, headers: headers, body: body), stream: nil)
    }

    /// Start a stream; chunks follow with `write`, then `close`.
    func openStream(status: Int, headers: [HeaderPair]) -> ABIStatus {
        guard (100...599).contains(status) else { return .invalidArgument }
        let (body, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.clientGone.store(true, ordering: .relaxed) }
        }
        let result = answer(with: .stream(status: status, headers: headers, body: body), stream: continuation)
        if result != .ok { continuation.finish() }
        return result
    }

    /// One chunk of an open stream; `unavailable` once the client has gone or the stream ended.
    func write(_ chunk: UnsafeRawBufferPointer) -> ABIStatus {
        if clientGone.load(ordering: .relaxed) { return .unavailable }
        return state.withLock { state in
            guard let stream = state.stream else { return .unavailable }
            if case .terminated = stream.yield(ByteBuffer(bytes: chunk)) { return .unavailable }
            return .ok
        }
    }

    /// End an open stream.
    func close() -> ABIStatus {
        state.withLock { state in
            guard let stream = state.stream else { return .unavailable }
            stream.finish()
            state.stream = nil
            return .ok
        }
    }

    /// True while a stream is open.
    var isStreaming: Bool { state.withLock { $0.stream != nil } }

    /// Give up on the slot (hook failed, timed out, instance stopped): resolves a waiter and ends a stream.
    func abandon(reason: String) {
        _ = answer(with: .failed(reason: reason), stream: nil)
        state.withLock { state in
            state.stream?.finish()
            state.stream = nil
        }
    }

    /// Wait for the head: the complete response, the stream start, or the failure.
    func head() async -> Head {
        await withCheckedContinuation { continuation in
            let ready: Head? = state.withLock { state in
                if let head = state.readyHead {
                    state.readyHead = nil
                    state.headTaken = true
                    return head
                }
                if state.headTaken { return .failed(reason: "response already delivered") }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func answer(with head: Head, stream: AsyncStream<ByteBuffer>.Continuation?) -> ABIStatus {
        let outcome: (ABIStatus, CheckedContinuation<Head, Never>?) = state.withLock { state in
            guard !state.answered else { return (.unavailable, nil) }
            state.answered = true
            state.stream = stream
            if let waiter = state.waiter {
                state.waiter = nil
                state.headTaken = true
                return (.ok, waiter)
            }
            state.readyHead = head
            return (.ok, nil)
        }
        outcome.1?.resume(returning: head)
        return outcome.0
    }
}

/// One HTTP header as plain Swift strings.
struct HeaderPair: Sendable, Hashable {
    var name: String
    var value: String
}
