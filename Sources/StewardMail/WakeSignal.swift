import Foundation

/// Lets `MailSender.wake()` (any thread) cut the sender's wait short. A wake that arrives while the sender is
/// busy is remembered, so mail enqueued during a send is not left for the next poll.
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var stopped = false
    private var hasConsumer = false
    private var waiter: CheckedContinuation<Void, Never>?

    /// Wakes the waiter, or the next `wait` if nobody is waiting.
    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
            guard let waiter = self.waiter else {
                pending = true
                return nil
            }
            self.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Wakes the waiter now and makes every later `wait` return at once.
    func stop() {
        lock.withLock { stopped = true }
        signal()
    }

    var isStopped: Bool { lock.withLock { stopped } }

    /// Marks the single consumer as present; false if there already is one.
    func claimConsumer() -> Bool {
        lock.withLock {
            defer { hasConsumer = true }
            return !hasConsumer
        }
    }

    /// Returns after `timeout`, on `signal`/`stop`, or when the task is cancelled, whichever is first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    // Checked under the lock: a cancellation handler that ran before this point found no waiter,
                    // so the continuation must not be stored or it would never be resumed.
                    if pending || stopped || Task.isCancelled {
                        pending = false
                        return true
                    }
                    precondition(waiter == nil, "MailSender.run() must not run twice at once")
                    waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = lock.withLock {
                defer { self.waiter = nil }
                return self.waiter
            }
            waiter?.resume()
        }
    }
}
