import Foundation

/// Work that must not hold its caller up (an alert, a ping): run one at a
/// time on a queue of its own, counted so that shutdown and tests can wait
/// for what is still going out.
final class DeliveryQueue: @unchecked Sendable {
    // @unchecked Sendable: `pending` is guarded by `lock`; the work runs on `queue`.
    private let queue: DispatchQueue
    private let lock = NSCondition()
    private var pending = 0

    init(label: String) { queue = DispatchQueue(label: label) }

    func async(_ work: @escaping @Sendable () -> Void) {
        lock.withLock { pending += 1 }
        queue.async { [self] in
            work()
            lock.lock()
            pending -= 1
            lock.broadcast()
            lock.unlock()
        }
    }

    /// Waits until nothing is pending; false when `timeout` ran out first.
    func drain(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while pending > 0 {
            if !lock.wait(until: deadline) { return pending == 0 }
        }
        return true
    }
}
