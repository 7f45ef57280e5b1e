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
    /// The caller went away (its task was cancelled) before an outcome; the request was dropped, not delivered.
    case abandoned
    /// Not queued at all, or ended by shutdown: see the refusal.
    case refused(RPCRefusal)
}

/// Why the hub would not keep a server-side RPC.
public enum RPCRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device already has this many requests waiting.
    case deviceQueueFull(limit: Int)
    /// The caller already has this many requests waiting, across all devices.
    case callerQueueFull(limit: Int)
    /// The server is shutting down.
    case stopping

    public var description: String {
        switch self {
        case .deviceQueueFull(let limit):
            "The device already has \(limit) RPC requests waiting (STEWARD_RPC_MAX_PENDING_PER_DEVICE); wait for them to be answered or time out, then retry"
        case .callerQueueFull(let limit):
            "You already have \(limit) RPC requests waiting (STEWARD_RPC_MAX_PENDING_PER_CALLER); wait for them to be answered or time out, then retry"
        case .stopping:
            "Steward is shutting down; retry the RPC once it is back"
        }
    }
}

/// Routes pushes to the live sessions of each device: shared-attribute updates, server-side RPC and
/// administrative closes. It never routes one device's publish to another client.
///
/// Pending RPCs are bounded (per device and per caller), dropped when their caller goes, and all ended by
/// `shutdown()`, so callers that left cannot pile up memory, deliver stale commands later, or hold the process
/// open after SIGTERM.
public final class DeviceHub: Sendable {
    /// How many server-side RPCs may wait at once.
    public struct Limits: Sendable, Equatable {
        /// Requests waiting for one device (not yet delivered, or two-way and not yet answered).
        public var maximumPendingPerDevice: Int
        /// Requests one caller (a user, through any of their sessions or keys) has waiting, across devices.
        public var maximumPendingPerCaller: Int

        public init(maximumPendingPerDevice: Int = 100, maximumPendingPerCaller: Int = 100) {
            self.maximumPendingPerDevice = maximumPendingPerDevice
            self.maximumPendingPerCaller = maximumPendingPerCaller
        }
    }

    struct PendingRPC {
        var request: ServerRPCRequest
        var oneWay: Bool
        var sent: Bool
        var caller: String?
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

    /// The id of a call once registered, for its cancellation handler.
    final class RegisteredID: Sendable {
        let id = Mutex<Int?>(nil)
    }

    /// The devices, plus what is counted across them.
    struct HubState {
        var devices: [DeviceID: DeviceEntry] = [:]
        var pendingByCaller: [String: Int] = [:]
        var stopping = false
    }

    public let limits: Limits
    private let state = Mutex(HubState())
    /// Told when who may see a device changed (`accessChanged`), e.g. live views that must stop showing it.
    private let accessObservers = Mutex<[@Sendable (DeviceID) -> Void]>([])

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The device table under the lock (most operations touch only it).
    private func withDevices<T>(_ body: (inout [DeviceID: DeviceEntry]) -> T) -> T {
        state.withLock { body(&$0.devices) }
    }

    /// Requests waiting, in total and for `caller`, for tests and diagnostics.
    public func pendingCount(caller: String? = nil) -> Int {
        state.withLock { state in
            if let caller { return state.pendingByCaller[caller] ?? 0 }
            return state.devices.values.reduce(0) { $0 + $1.pending.count }
        }
    }

    /// Which of `devices` have a live session in this process (the console's "active" badge): read under the lock,
    /// nothing written.
    public func connected(_ devices: [DeviceID]) -> Set<DeviceID> {
        withDevices { entries in Set(devices.filter { !(entries[$0]?.allSinks.isEmpty ?? true) }) }
    }

    /// Calls `observer` whenever who may see a device changes in this process (it moved to another customer).
    public func observeAccessChanges(_ observer: @escaping @Sendable (DeviceID) -> Void) {
        accessObservers.withLock { $0.append(observer) }
    }

    /// Says that who may see `device` changed, so views opened under the old access check it again at once.
    public func accessChanged(_ device: DeviceID) {
        for observer in accessObservers.withLock({ $0 }) { observer(device) }
    }

    /// Registers a live session so administrative closes reach it.
    public func attach(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        withDevices { $0[device, default: DeviceEntry()].allSinks[ObjectIdentifier(sink)] = sink }
    }

    /// Removes a session from every list.
    public func detach(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        let id = ObjectIdentifier(sink)
        withDevices { entries in
            guard var entry = entries[device] else { return }
            entry.allSinks[id] = nil
            entry.attributeSinks[id] = nil
            entry.rpcSinks[id] = nil
            entries[device] = entry.isEmpty ? nil : entry
        }
    }

    public func subscribeAttributes(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        let stopping = state.withLock { state in
            state.devices[device, default: DeviceEntry()].attributeSinks[ObjectIdentifier(sink)] = sink
            return state.stopping
        }
        if stopping { sink.serverStopping() }
    }

    public func unsubscribeAttributes(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        withDevices { entries in
            entries[device]?.attributeSinks[ObjectIdentifier(sink)] = nil
            if entries[device]?.isEmpty == true { entries[device] = nil }
        }
    }

    /// Subscribes a session to server-side RPC and hands it any request still waiting for a device.
    public func subscribeRPC(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        // Claim the waiting requests under the lock, so two sessions subscribing at once never both get one.
        let (waiting, stopping) = state.withLock { state -> ([ServerRPCRequest], Bool) in
            state.devices[device, default: DeviceEntry()].rpcSinks[ObjectIdentifier(sink)] = sink
            var claimed: [ServerRPCRequest] = []
            for (id, pending) in state.devices[device]!.pending where !pending.sent {
                state.devices[device]!.pending[id]!.sent = true
                claimed.append(pending.request)
            }
            return (claimed.sorted { $0.id < $1.id }, state.stopping)
        }
        if stopping { return sink.serverStopping() }
        for request in waiting { offer(request, to: [sink], device: device) }
    }

    public func unsubscribeRPC(_ device: DeviceID, _ sink: any DeviceSessionSink) {
        withDevices { entries in
            entries[device]?.rpcSinks[ObjectIdentifier(sink)] = nil
            if entries[device]?.isEmpty == true { entries[device] = nil }
        }
    }

    /// Pushes a shared-attribute change to every session that subscribed to attribute updates.
    public func publishAttributeUpdate(_ device: DeviceID, json: String) {
        let sinks = withDevices { Array(($0[device]?.attributeSinks ?? [:]).values) }
        for sink in sinks { sink.pushAttributeUpdate(json) }
    }

    /// Closes every session of the device (it was deleted or its token changed).
    public func closeSessions(_ device: DeviceID, reason: String) {
        let sinks = withDevices { Array(($0[device]?.allSinks ?? [:]).values) }
        for sink in sinks { sink.close(reason: reason) }
    }

    /// Sends a server-side RPC and waits for the device: for delivery when `oneWay`, else for its reply.
    /// A request made while no session listens waits for one until the timeout, so a device that polls over
    /// HTTP between requests still gets it.
    ///
    /// `caller` names who asked (counted against `maximumPendingPerCaller`; nil is not counted). Over a limit, or
    /// while stopping, the answer is `.refused` at once. Cancelling the calling task (its HTTP client went away)
    /// drops the request: it is not delivered to a device that connects later, and a reply is ignored.
    public func callRPC(
        _ device: DeviceID, method: String, paramsJSON: String, oneWay: Bool, timeout: Duration, caller: String? = nil
    ) async -> RPCOutcome {
        let registered = RegisteredID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                register(
                    device, method: method, paramsJSON: paramsJSON, oneWay: oneWay, timeout: timeout, caller: caller,
                    continuation: continuation, registered: registered)
            }
        } onCancel: {
            if let id = registered.id.withLock({ $0 }) { finish(device, id: id, outcome: .abandoned) }
        }
    }

    private func register(
        _ device: DeviceID, method: String, paramsJSON: String, oneWay: Bool, timeout: Duration, caller: String?,
        continuation: CheckedContinuation<RPCOutcome, Never>, registered: RegisteredID
    ) {
        // Check the limits, allocate the id, register the request and pick the sessions in one step: a session that
        // subscribes concurrently either is in `sinks` or finds the request waiting.
        let limits = self.limits
        let admitted = state.withLock { state -> Result<(ServerRPCRequest, [any DeviceSessionSink]), RPCRefusal> in
            if state.stopping { return .failure(.stopping) }
            var entry = state.devices[device, default: DeviceEntry()]
            if entry.pending.count >= limits.maximumPendingPerDevice {
                return .failure(.deviceQueueFull(limit: limits.maximumPendingPerDevice))
            }
            if let caller, state.pendingByCaller[caller, default: 0] >= limits.maximumPendingPerCaller {
                return .failure(.callerQueueFull(limit: limits.maximumPendingPerCaller))
            }
            let request = ServerRPCRequest(id: entry.nextRPCID, method: method, paramsJSON: paramsJSON)
            entry.nextRPCID += 1
            let sinks = Array(entry.rpcSinks.values)
            entry.pending[request.id] = PendingRPC(
                request: request, oneWay: oneWay, sent: !sinks.isEmpty, caller: caller, continuation: continuation,
                timer: nil)
            state.devices[device] = entry
            if let caller { state.pendingByCaller[caller, default: 0] += 1 }
            return .success((request, sinks))
        }
        guard case .success(let (request, sinks)) = admitted else {
            if case .failure(let refusal) = admitted { continuation.resume(returning: .refused(refusal)) }
            return
        }
        registered.id.withLock { $0 = request.id }
        // Cancelled before the id was known to the cancellation handler: drop it now, before anyone gets it.
        if Task.isCancelled { return finish(device, id: request.id, outcome: .abandoned) }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.finish(device, id: request.id, outcome: .timeout)
        }
        let stillPending = withDevices { entries -> Bool in
            guard entries[device]?.pending[request.id] != nil else { return false }
            entries[device]!.pending[request.id]!.timer = timer
            return true
        }
        if !stillPending { timer.cancel() }
        if !sinks.isEmpty { offer(request, to: sinks, device: device) }
    }

    /// Ends every waiting RPC (`.refused(.stopping)`) and every HTTP long poll, and refuses new RPCs: called when
    /// graceful shutdown begins, so nothing a caller or device waits on holds the process open.
    public func shutdown() {
        let (pending, sinks) = state.withLock { state -> ([(DeviceID, Int)], [any DeviceSessionSink]) in
            state.stopping = true
            var pending: [(DeviceID, Int)] = []
            var sinks: [ObjectIdentifier: any DeviceSessionSink] = [:]
            for (device, entry) in state.devices {
                pending += entry.pending.keys.map { (device, $0) }
                sinks.merge(entry.attributeSinks) { first, _ in first }
                sinks.merge(entry.rpcSinks) { first, _ in first }
            }
            return (pending, Array(sinks.values))
        }
        for (device, id) in pending { finish(device, id: id, outcome: .refused(.stopping)) }
        for sink in sinks { sink.serverStopping() }
    }

    /// A device answered RPC `id`. Unknown or finished ids are ignored, as ThingsBoard does.
    public func replyRPC(_ device: DeviceID, id: Int, payload: String) {
        finish(device, id: id, outcome: .reply(payload), onlyTwoWay: true)
    }

    /// Offers a claimed request to the sinks in turn; if none takes it, it waits for the next subscriber.
    private func offer(_ request: ServerRPCRequest, to sinks: [any DeviceSessionSink], device: DeviceID) {
        for sink in sinks {
            let accepted = sink.pushRPC(request) { [self] in
                let oneWay = withDevices { $0[device]?.pending[request.id]?.oneWay ?? false }
                if oneWay { finish(device, id: request.id, outcome: .delivered) }
            }
            if accepted { return }
        }
        withDevices { $0[device]?.pending[request.id]?.sent = false }
    }

    private func finish(_ device: DeviceID, id: Int, outcome: RPCOutcome, onlyTwoWay: Bool = false) {
        let pending = state.withLock { state -> PendingRPC? in
            guard let pending = state.devices[device]?.pending[id] else { return nil }
            if onlyTwoWay && pending.oneWay { return nil }
            state.devices[device]?.pending[id] = nil
            if state.devices[device]?.isEmpty == true { state.devices[device] = nil }
            if let caller = pending.caller {
                let left = (state.pendingByCaller[caller] ?? 1) - 1
                state.pendingByCaller[caller] = left > 0 ? left : nil
            }
            return pending
        }
        pending?.timer?.cancel()
        pending?.continuation.resume(returning: outcome)
    }
}
