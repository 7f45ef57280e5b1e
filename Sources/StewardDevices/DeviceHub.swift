import StewardCore
import Synchronization

/// What became of a server-side RPC.
public enum RPCOutcome: Sendable, Equatable {
    /// One-way RPC handed to the device.
    case delivered
    /// Two-way RPC answered; the device's payload verbatim.
    case reply(String)
    /// Nobody took or answered it in time.
    case timeout
}

/// Routes pushes to the live sessions of each device: shared-attribute updates, server-side RPC and
/// administrative closes. It never routes one device's publish to another client.
public final class DeviceHub: Sendable {
    struct PendingRPC {
        var request: ServerRPCRequest
        var oneWay: Bool
        var sent: Bool
        var continuation: CheckedContinuation<RPCOutcome, Never>
        var timer: Task<Void, Never>?
    }

    struct DeviceEntry {
        var attributeSinks: [ObjectIdentifier: any DeviceSessionSink] = [:]
        var rpcSinks: [ObjectIdentifier: any DeviceSessionSink] = [:]
        var allSinks: [ObjectIdentifier: any DeviceSessionSink] = [:]
        var nextRPCID = 0
        var pending: [Int: PendingRPC] = [:]

        var isEmpty: Bool { allSinks.isEmpty && pending.isEmpty && attributeSinks.isEmpty && rpcSinks.isEmpty }
    }

    private let entries = Mutex<[DeviceID: DeviceEntry]>([:])

    public init() {}

    /// Registers a live session so administrative closes reach it.
    public func attach(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        entries.withLock { $0[device, default: DeviceEntry()].allSinks[ObjectIdentifier(sink)] = sink }
    }

    /// Removes a session from every list.
    public func detach(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        let id = ObjectIdentifier(sink)
        entries.withLock { entries in
            guard var entry = entries[device] else { return }
            entry.allSinks[id] = nil
            entry.attributeSinks[id] = nil
            entry.rpcSinks[id] = nil
            entries[device] = entry.isEmpty ? nil : entry
        }
    }

    public func subscribeAttributes(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        entries.withLock { $0[device, default: DeviceEntry()].attributeSinks[ObjectIdentifier(sink)] = sink }
    }

    public func unsubscribeAttributes(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        entries.withLock { entries in
            entries[device]?.attributeSinks[ObjectIdentifier(sink)] = nil
            if entries[device]?.isEmpty == true { entries[device] = nil }
        }
    }

    /// Subscribes a session to server-side RPC and hands it any request still waiting for a device.
    public func subscribeRPC(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        // Claim the waiting requests under the lock, so two sessions subscribing at once never both get one.
        let waiting = entries.withLock { entries -> [ServerRPCRequest] in
            entries[device, default: DeviceEntry()].rpcSinks[ObjectIdentifier(sink)] = sink
            var claimed: [ServerRPCRequest] = []
            for (id, pending) in entries[device]!.pending where !pending.sent {
                entries[device]!.pending[id]!.sent = true
                claimed.append(pending.request)
            }
            return claimed.sorted { $0.id < $1.id }
        }
        for request in waiting { offer(request, to: [sink], device: device) }
    }

    public func unsubscribeRPC(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        entries.withLock { entries in
            entries[device]?.rpcSinks[ObjectIdentifier(sink)] = nil
            if entries[device]?.isEmpty == true { entries[device] = nil }
        }
    }

    /// Pushes a shared-attribute change to every session that subscribed to attribute updates.
    public func publishAttributeUpdate(_ device: DeviceID, json: String) {
        let sinks = entries.withLock { Array(($0[device]?.attributeSinks ?? [:]).values) }
        for sink in sinks { sink.pushAttributeUpdate(json) }
    }

    /// Closes every session of the device (it was deleted or its token changed).
    public func closeSessions(_ device: DeviceID, reason: String) {
        let sinks = entries.withLock { Array(($0[device]?.allSinks ?? [:]).values) }
        for sink in sinks { sink.close(reason: reason) }
    }

    /// Sends a server-side RPC and waits for the device: for delivery when `oneWay`, else for its reply.
    /// A request made while no session listens waits for one until the timeout, so a device that polls over
    /// HTTP between requests still gets it.
    public func callRPC(_ device: DeviceID, method: String, paramsJSON: String, oneWay: Bool, timeout: Duration) async
        -> RPCOutcome
    {
        await withCheckedContinuation { continuation in
            // Allocate the id, register the request and pick the sessions in one step: a session that subscribes
            // concurrently either is in `sinks` or finds the request waiting.
            let (request, sinks) = entries.withLock { entries -> (ServerRPCRequest, [any DeviceSessionSink]) in
                var entry = entries[device, default: DeviceEntry()]
                let request = ServerRPCRequest(id: entry.nextRPCID, method: method, paramsJSON: paramsJSON)
                entry.nextRPCID += 1
                let sinks = Array(entry.rpcSinks.values)
                entry.pending[request.id] = PendingRPC(
                    request: request, oneWay: oneWay, sent: !sinks.isEmpty, continuation: continuation, timer: nil)
                entries[device] = entry
                return (request, sinks)
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                self.finish(device, id: request.id, outcome: .timeout)
            }
            let stillPending = entries.withLock { entries -> Bool in
                guard entries[device]?.pending[request.id] != nil else { return false }
                entries[device]!.pending[request.id]!.timer = timer
                return true
            }
            if !stillPending { timer.cancel() }
            if !sinks.isEmpty { offer(request, to: sinks, device: device) }
        }
    }

    /// A device answered RPC `id`. Unknown or finished ids are ignored, as ThingsBoard does.
    public func replyRPC(_ device: DeviceID, id: Int, payload: String) {
        finish(device, id: id, outcome: .reply(payload), onlyTwoWay: true)
    }

    /// Offers a claimed request to the sinks in turn; if none takes it, it waits for the next subscriber.
    private func offer(_ request: ServerRPCRequest, to sinks: [any DeviceSessionSink], device: DeviceID) {
        for sink in sinks {
            let accepted = sink.pushRPC(request) { [self] in
                let oneWay = entries.withLock { $0[device]?.pending[request.id]?.oneWay ?? false }
                if oneWay { finish(device, id: request.id, outcome: .delivered) }
            }
            if accepted { return }
        }
        entries.withLock { $0[device]?.pending[request.id]?.sent = false }
    }

    private func finish(_ device: DeviceID, id: Int, outcome: RPCOutcome, onlyTwoWay: Bool = false) {
        let pending = entries.withLock { entries -> PendingRPC? in
            guard let pending = entries[device]?.pending[id] else { return nil }
            if onlyTwoWay && pending.oneWay { return nil }
            entries[device]?.pending[id] = nil
            if entries[device]?.isEmpty == true { entries[device] = nil }
            return pending
        }
        pending?.timer?.cancel()
        pending?.continuation.resume(returning: outcome)
    }
}
