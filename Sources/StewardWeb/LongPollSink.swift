import StewardCore
import StewardDevices
import Synchronization

/// An HTTP long poll waiting for one push: it answers with the first update (or RPC) and refuses later ones,
/// which the hub then keeps for the device's next poll.
final class LongPollSink: DeviceSessionSink {
    enum Outcome: Sendable {
        case message(String)
        case timeout
        case closed
    }

    private let state = Mutex<(continuation: CheckedContinuation<Outcome, Never>?, finished: Bool)>((nil, false))

    /// Waits for a push or the timeout. `register` subscribes this sink; `unregister` always runs afterwards.
    func wait(timeout: Duration, register: () -> Void, unregister: () -> Void) async -> Outcome {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.finish(.timeout)
        }
        let outcome = await withCheckedContinuation { continuation in
            let alreadyFinished = state.withLock { state -> Bool in
                if state.finished { return true }
                state.continuation = continuation
                return false
            }
            if alreadyFinished { continuation.resume(returning: .timeout) } else { register() }
        }
        timer.cancel()
        unregister()
        return outcome
    }

    @discardableResult
    func finish(_ outcome: Outcome) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Outcome, Never>?? in
            guard !state.finished else { return .none }
            state.finished = true
            defer { state.continuation = nil }
            return .some(state.continuation)
        }
        guard case .some(let waiting) = continuation else { return false }
        waiting?.resume(returning: outcome)
        return true
    }

    func pushAttributeUpdate(_ json: String) { finish(.message(json)) }

    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool {
        guard finish(.message(request.json(includeID: true))) else { return false }
        delivered()
        return true
    }

    func close(reason: String) { finish(.closed) }

    /// Answers as if the poll timed out (408): the device simply polls again, against the restarted server.
    func serverStopping() { finish(.timeout) }
}
