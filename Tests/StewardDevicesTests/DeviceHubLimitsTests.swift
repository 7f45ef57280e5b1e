import StewardCore
@testable import StewardDevices
import StewardTesting
import Synchronization
import Testing

/// A long-poll-like session that records being told the server stops.
final class StopRecordingSink: DeviceSessionSink {
    let stops = Mutex(0)
    func pushAttributeUpdate(_ json: String) {}
    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool { false }
    func close(reason: String) {}
    func serverStopping() { stops.withLock { $0 += 1 } }
    var stopCount: Int { stops.withLock { $0 } }
}

/// Pending server-side RPCs are bounded, dropped when their caller goes, and ended by shutdown.
@Suite struct DeviceHubLimitsTests {
    @Test func perDeviceCapRefusesTheNextRequestForThatDeviceOnly() async throws {
        let hub = DeviceHub(limits: .init(maximumPendingPerDevice: 2, maximumPendingPerCaller: 100))
        let offline = DeviceID(), other = DeviceID()
        async let first = hub.callRPC(offline, method: "a", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "u1")
        async let second = hub.callRPC(offline, method: "b", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "u2")
        try await eventually("two requests wait") { hub.pendingCount() == 2 }

        let third = await hub.callRPC(offline, method: "c", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "u3")
        #expect(third == .refused(.deviceQueueFull(limit: 2)))
        let sink = RecordingSink()
        hub.subscribeRPC(other, sink)
        #expect(await hub.callRPC(other, method: "d", paramsJSON: "{}", oneWay: true, timeout: .seconds(30), caller: "u3") == .delivered)

        hub.shutdown()
        #expect(await first == .refused(.stopping))
        #expect(await second == .refused(.stopping))
    }

    @Test func perCallerCapCountsAcrossDevicesAndFreesOnCompletion() async throws {
        let hub = DeviceHub(limits: .init(maximumPendingPerDevice: 100, maximumPendingPerCaller: 2))
        // Long timeouts: both must still wait when the third is refused, however slow the machine; `first` is
        // ended explicitly below (its device answers), `second` by the shutdown.
        let firstDevice = DeviceID()
        async let first = hub.callRPC(firstDevice, method: "a", paramsJSON: "{}", oneWay: false, timeout: .seconds(600), caller: "user:1")
        async let second = hub.callRPC(DeviceID(), method: "b", paramsJSON: "{}", oneWay: false, timeout: .seconds(600), caller: "user:1")
        try await eventually("the caller has two waiting") { hub.pendingCount(caller: "user:1") == 2 }

        let refused = await hub.callRPC(DeviceID(), method: "c", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "user:1")
        #expect(refused == .refused(.callerQueueFull(limit: 2)))
        // Another caller is not affected, and a request that times out no longer counts.
        #expect(await hub.callRPC(DeviceID(), method: "d", paramsJSON: "{}", oneWay: false, timeout: .milliseconds(10), caller: "user:2") == .timeout)
        #expect(hub.pendingCount(caller: "user:2") == 0)

        // Once one is answered, the caller may ask again.
        hub.replyRPC(firstDevice, id: 0, payload: "{\"ok\":true}")
        #expect(await first == .reply("{\"ok\":true}"))
        #expect(hub.pendingCount(caller: "user:1") == 1)
        let device = DeviceID()
        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)
        #expect(await hub.callRPC(device, method: "e", paramsJSON: "{}", oneWay: true, timeout: .seconds(30), caller: "user:1") == .delivered)

        hub.shutdown()
        #expect(await second == .refused(.stopping))
        #expect(hub.pendingCount(caller: "user:1") == 0)
        #expect(hub.pendingCount() == 0)
    }

    @Test func abandonedRequestIsNotDeliveredToADeviceThatConnectsLater() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let call = Task {
            await hub.callRPC(device, method: "open-valve", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "user:1")
        }
        try await eventually("the request waits for the offline device") { hub.pendingCount() == 1 }

        call.cancel()  // the HTTP caller hung up
        #expect(await call.value == .abandoned)
        #expect(hub.pendingCount() == 0)
        #expect(hub.pendingCount(caller: "user:1") == 0)

        let late = RecordingSink()
        hub.subscribeRPC(device, late)
        #expect(late.offered.isEmpty)
        hub.replyRPC(device, id: 0, payload: "{}")  // a stray reply is ignored
    }

    @Test func aCallerCancelledBeforeRegisteringLeavesNothingBehind() async {
        let hub = DeviceHub()
        let device = DeviceID()
        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: true, timeout: .seconds(30), caller: "c")
        }
        #expect(await call.value == .abandoned)
        #expect(hub.pendingCount() == 0)
        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)
        #expect(sink.offered.isEmpty)
    }

    @Test func abandonedTwoWayRequestAlreadySentIgnoresTheLateReply() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)
        let call = Task {
            await hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: false, timeout: .seconds(30), caller: "c")
        }
        try await eventually("the device got the request") { sink.accepted.count == 1 }
        call.cancel()
        #expect(await call.value == .abandoned)
        hub.replyRPC(device, id: 0, payload: "\"late\"")
        #expect(hub.pendingCount() == 0)
    }

    @Test func shutdownEndsWaitsTellsLongPollsAndRefusesNewRequests() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let attributePoll = StopRecordingSink(), rpcPoll = StopRecordingSink()
        hub.subscribeAttributes(device, attributePoll)
        hub.subscribeRPC(device, rpcPoll)
        async let waiting = hub.callRPC(DeviceID(), method: "m", paramsJSON: "{}", oneWay: true, timeout: .seconds(30))
        try await eventually("one request waits") { hub.pendingCount() == 1 }

        hub.shutdown()

        #expect(await waiting == .refused(.stopping))
        #expect(attributePoll.stopCount == 1)
        #expect(rpcPoll.stopCount == 1)
        #expect(await hub.callRPC(device, method: "n", paramsJSON: "{}", oneWay: true, timeout: .seconds(30)) == .refused(.stopping))
        // A long poll arriving during shutdown ends at once too.
        let latePoll = StopRecordingSink()
        hub.subscribeRPC(device, latePoll)
        #expect(latePoll.stopCount == 1)
    }
}
