import NIOCore
import Synchronization

/// A timer a plugin started: which instance owns it and how to cancel it.
final class TimerEntry: Sendable {
    let instanceHandle: UInt64
    private let cancellation = Locked<(@Sendable () -> Void)?>(nil)

    init(instanceHandle: UInt64) {
        self.instanceHandle = instanceHandle
    }

    func setCancellation(_ cancel: @escaping @Sendable () -> Void) {
        cancellation.withLock { $0 = cancel }
    }

    func cancel() {
        let cancel = cancellation.withLock { current in
            defer { current = nil }
            return current
        }
        cancel?()
    }
}

extension RuntimeInstance {
    /// Start a timer that calls the plugin's on_timer on its worker threads.
    func startTimer(delayMs: UInt64, intervalMs: UInt64, userData: UInt64) -> UInt64 {
        let entry = TimerEntry(instanceHandle: handle)
        let timerHandle = HostHandles.timers.insert(entry)
        registerTimer(timerHandle)
        let eventLoop = environment.eventLoops.any()
        let fire: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            if intervalMs == 0 {
                HostHandles.timers.remove(timerHandle)
                self.forgetTimer(timerHandle)
            }
            self.fireTimer(timerHandle, userData: userData)
        }
        let delay = TimeAmount.milliseconds(Int64(clamping: delayMs))
        if intervalMs == 0 {
            let task = eventLoop.scheduleTask(in: delay) { fire() }
            entry.setCancellation { task.cancel() }
        } else {
            let task = eventLoop.scheduleRepeatedTask(
                initialDelay: delay, delay: .milliseconds(Int64(clamping: intervalMs))
            ) { _ in fire() }
            entry.setCancellation { task.cancel() }
        }
        return timerHandle
    }

    private func fireTimer(_ timer: UInt64, userData: UInt64) {
        guard let onTimer = plugin.hooks.raw.on_timer, enter() else { return }
        let pointer = self.pointer
        plugin.pool.submit { [self] state in
            defer { leave() }
            guard case .active = state else { return }
            onTimer(pointer.raw, timer, userData)
        }
    }
}
