import StewardCore
@testable import StewardDevices
import StewardTesting
import Synchronization
import Testing

/// A session that records what the hub pushes to it.
final class RecordingSink: DeviceSessionSink {
    struct State {
        var attributeUpdates: [String] = []
        var offered: [ServerRPCRequest] = []
        var accepted: [ServerRPCRequest] = []
        var deliveries: [Int: @Sendable () -> Void] = [:]
        var closeReasons: [String] = []
        var accepts: Bool
    }

    let state: Mutex<State>
    /// Calls `delivered` as soon as it accepts an RPC (a QoS 0 write); otherwise the test calls `deliver(id:)`.
    let deliversImmediately: Bool

    init(accepts: Bool = true, deliversImmediately: Bool = true) {
        state = Mutex(State(accepts: accepts))
        self.deliversImmediately = deliversImmediately
    }

    func pushAttributeUpdate(_ json: String) {
        state.withLock { $0.attributeUpdates.append(json) }
    }

    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool {
        let accepts = state.withLock { state -> Bool in
            state.offered.append(request)
            guard state.accepts else { return false }
            state.accepted.append(request)
            state.deliveries[request.id] = delivered
            return true
        }
        if accepts && deliversImmediately { delivered() }
        return accepts
    }

    func close(reason: String) {
        state.withLock { $0.closeReasons.append(reason) }
    }

    /// Reports delivery of an accepted RPC (a PUBACK arrived).
    func deliver(id: Int) {
        let callback = state.withLock { $0.deliveries[id] }
        callback?()
    }

    var attributeUpdates: [String] { state.withLock { $0.attributeUpdates } }
    var offered: [ServerRPCRequest] { state.withLock { $0.offered } }
    var accepted: [ServerRPCRequest] { state.withLock { $0.accepted } }
    var closeReasons: [String] { state.withLock { $0.closeReasons } }
}

/// Polls until `condition` holds; gives up after a generous bound so a broken hub fails instead of hanging.
func eventually(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async throws {
    for _ in 0..<1000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

@Suite struct DeviceHubAttributeTests {
    @Test func attributeUpdateReachesOnlySubscribedSinksOfThatDevice() {
        let hub = DeviceHub()
        let deviceA = DeviceID(), deviceB = DeviceID()
        let subscribed = RecordingSink(), attachedOnly = RecordingSink(), otherDevice = RecordingSink()
        hub.attach(deviceA, subscribed)
        hub.subscribeAttributes(deviceA, subscribed)
        hub.attach(deviceA, attachedOnly)
        hub.attach(deviceB, otherDevice)
        hub.subscribeAttributes(deviceB, otherDevice)

        hub.publishAttributeUpdate(deviceA, json: #"{"k":1}"#)

        #expect(subscribed.attributeUpdates == [#"{"k":1}"#])
        #expect(attachedOnly.attributeUpdates.isEmpty)
        #expect(otherDevice.attributeUpdates.isEmpty)
    }

    @Test func everySubscribedSessionOfTheDeviceGetsTheUpdate() {
        let hub = DeviceHub()
        let device = DeviceID()
        let first = RecordingSink(), second = RecordingSink()
        hub.subscribeAttributes(device, first)
        hub.subscribeAttributes(device, second)
        hub.publishAttributeUpdate(device, json: #"{"deleted":["a"]}"#)
        #expect(first.attributeUpdates == [#"{"deleted":["a"]}"#])
        #expect(second.attributeUpdates == [#"{"deleted":["a"]}"#])
    }

    @Test func unsubscribeAndDetachStopUpdates() {
        let hub = DeviceHub()
        let device = DeviceID()
        let unsubscribed = RecordingSink(), detached = RecordingSink(), staying = RecordingSink()
        for sink in [unsubscribed, detached, staying] {
            hub.attach(device, sink)
            hub.subscribeAttributes(device, sink)
        }
        hub.publishAttributeUpdate(device, json: "{\"n\":1}")
        hub.unsubscribeAttributes(device, unsubscribed)
        hub.detach(device, detached)
        hub.publishAttributeUpdate(device, json: "{\"n\":2}")

        #expect(unsubscribed.attributeUpdates == ["{\"n\":1}"])
        #expect(detached.attributeUpdates == ["{\"n\":1}"])
        #expect(staying.attributeUpdates == ["{\"n\":1}", "{\"n\":2}"])
    }

    /// Pushes, closes, detaches and replies for a device without sessions reach nobody, and leave the hub serving
    /// the devices that do have one.
    @Test func publishingToADeviceWithoutSessionsIsHarmless() {
        let hub = DeviceHub()
        let listening = DeviceID()
        let sink = RecordingSink()
        hub.attach(listening, sink)
        hub.subscribeAttributes(listening, sink)
        let absent = DeviceID()
        hub.publishAttributeUpdate(absent, json: "{}")
        hub.closeSessions(absent, reason: "gone")
        hub.detach(absent, RecordingSink())
        hub.replyRPC(absent, id: 0, payload: "{}")
        #expect(sink.attributeUpdates.isEmpty)
        #expect(sink.closeReasons.isEmpty)
        hub.publishAttributeUpdate(listening, json: #"{"a":1}"#)
        #expect(sink.attributeUpdates == [#"{"a":1}"#])
    }

    @Test func closeSessionsClosesEveryAttachedSessionOfTheDevice() {
        let hub = DeviceHub()
        let device = DeviceID(), other = DeviceID()
        let first = RecordingSink(), second = RecordingSink(), foreign = RecordingSink()
        hub.attach(device, first)
        hub.attach(device, second)
        hub.subscribeRPC(device, second)
        hub.attach(other, foreign)

        hub.closeSessions(device, reason: "Device was deleted")

        #expect(first.closeReasons == ["Device was deleted"])
        #expect(second.closeReasons == ["Device was deleted"])
        #expect(foreign.closeReasons.isEmpty)
    }

    @Test func detachedSessionIsNotClosed() {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink()
        hub.attach(device, sink)
        hub.detach(device, sink)
        hub.closeSessions(device, reason: "x")
        #expect(sink.closeReasons.isEmpty)
    }
}

@Suite struct DeviceHubRPCTests {
    @Test func oneWayRPCResolvesWhenDelivered() async {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)

        let outcome = await hub.callRPC(device, method: "setGpio", paramsJSON: #"{"pin":23}"#, oneWay: true, timeout: .seconds(30))

        #expect(outcome == .delivered)
        #expect(sink.accepted == [ServerRPCRequest(id: 0, method: "setGpio", paramsJSON: #"{"pin":23}"#)])
    }

    @Test func oneWayRPCWaitsForTheDeliveryReport() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink(deliversImmediately: false)
        hub.subscribeRPC(device, sink)

        async let outcome = hub.callRPC(device, method: "m", paramsJSON: "null", oneWay: true, timeout: .seconds(30))
        try await eventually("the sink accepted the RPC") { sink.accepted.count == 1 }
        // A reply to a one-way RPC is ignored; only delivery completes it.
        hub.replyRPC(device, id: 0, payload: "{\"ignored\":true}")
        sink.deliver(id: 0)

        #expect(await outcome == .delivered)
    }

    @Test func twoWayRPCResolvesWithTheReplyNotOnDelivery() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink(deliversImmediately: true)
        hub.subscribeRPC(device, sink)

        async let outcome = hub.callRPC(device, method: "getTemp", paramsJSON: "{}", oneWay: false, timeout: .seconds(30))
        try await eventually("the sink accepted the RPC") { sink.accepted.count == 1 }
        let id = try #require(sink.accepted.first?.id)
        hub.replyRPC(device, id: id + 100, payload: "\"wrong id\"")
        hub.replyRPC(device, id: id, payload: #"{"temp":21}"#)

        #expect(await outcome == .reply(#"{"temp":21}"#))
    }

    @Test func replyIsRoutedByDevice() async throws {
        let hub = DeviceHub()
        let deviceA = DeviceID(), deviceB = DeviceID()
        let sinkA = RecordingSink(), sinkB = RecordingSink()
        hub.subscribeRPC(deviceA, sinkA)
        hub.subscribeRPC(deviceB, sinkB)

        async let outcomeA = hub.callRPC(deviceA, method: "a", paramsJSON: "1", oneWay: false, timeout: .seconds(30))
        async let outcomeB = hub.callRPC(deviceB, method: "b", paramsJSON: "2", oneWay: false, timeout: .seconds(30))
        try await eventually("both sinks got their RPC") { sinkA.accepted.count == 1 && sinkB.accepted.count == 1 }
        // Both RPCs have id 0 on their own device; a reply from B must not answer A's.
        #expect(sinkA.accepted.map(\.id) == [0])
        #expect(sinkB.accepted.map(\.id) == [0])
        #expect(sinkA.offered.map(\.method) == ["a"])
        #expect(sinkB.offered.map(\.method) == ["b"])
        hub.replyRPC(deviceB, id: 0, payload: "\"from B\"")
        #expect(await outcomeB == .reply("\"from B\""))
        hub.replyRPC(deviceA, id: 0, payload: "\"from A\"")
        #expect(await outcomeA == .reply("\"from A\""))
    }

    @Test func rpcWithNoListenerTimesOut() async {
        let hub = DeviceHub()
        let outcome = await hub.callRPC(DeviceID(), method: "m", paramsJSON: "{}", oneWay: false, timeout: .milliseconds(20))
        #expect(outcome == .timeout)
    }

    @Test func unansweredTwoWayRPCTimesOutAndALateReplyIsIgnored() async {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)
        let outcome = await hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: false, timeout: .milliseconds(20))
        #expect(outcome == .timeout)
        #expect(sink.accepted.count == 1)
        hub.replyRPC(device, id: 0, payload: "{}")  // must not crash or resume twice
    }

    @Test func idsStartAtZeroAndIncreasePerDevice() async {
        let hub = DeviceHub()
        let device = DeviceID(), other = DeviceID()
        let sink = RecordingSink(), otherSink = RecordingSink()
        hub.subscribeRPC(device, sink)
        hub.subscribeRPC(other, otherSink)

        for n in 0..<3 {
            #expect(await hub.callRPC(device, method: "m\(n)", paramsJSON: "\(n)", oneWay: true, timeout: .seconds(30)) == .delivered)
        }
        #expect(await hub.callRPC(other, method: "x", paramsJSON: "{}", oneWay: true, timeout: .seconds(30)) == .delivered)

        #expect(sink.accepted.map(\.id) == [0, 1, 2])
        #expect(sink.accepted.map(\.method) == ["m0", "m1", "m2"])
        #expect(sink.accepted.map(\.paramsJSON) == ["0", "1", "2"])
        #expect(otherSink.accepted.map(\.id) == [0])
    }

    @Test func rpcWaitsForASessionAndIsDeliveredWhenOneSubscribes() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        // A long poll that already answered: it sees the request but cannot take it.
        let finishedPoll = RecordingSink(accepts: false)
        hub.subscribeRPC(device, finishedPoll)

        async let outcome = hub.callRPC(device, method: "reboot", paramsJSON: "{}", oneWay: true, timeout: .seconds(30))
        try await eventually("the request was offered") { finishedPoll.offered.count == 1 }
        hub.unsubscribeRPC(device, finishedPoll)
        #expect(finishedPoll.accepted.isEmpty)

        // Now no session listens; the request stays pending until the next one subscribes.
        let nextPoll = RecordingSink()
        hub.subscribeRPC(device, nextPoll)

        #expect(await outcome == .delivered)
        #expect(nextPoll.accepted == [ServerRPCRequest(id: 0, method: "reboot", paramsJSON: "{}")])
    }

    @Test func refusingSinkLeavesTheRPCForTheNextSink() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let refusing = RecordingSink(accepts: false)
        hub.subscribeRPC(device, refusing)

        async let outcome = hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: false, timeout: .seconds(30))
        try await eventually("the refusing sink saw the request") { refusing.offered.count == 1 }

        let taker = RecordingSink()
        hub.subscribeRPC(device, taker)
        try await eventually("the second sink took the request") { taker.accepted.count == 1 }
        hub.replyRPC(device, id: 0, payload: "\"ok\"")

        #expect(await outcome == .reply("\"ok\""))
        #expect(refusing.accepted.isEmpty)
    }

    @Test func aSentRequestIsNotOfferedAgainToANewSession() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let first = RecordingSink()
        hub.subscribeRPC(device, first)

        async let outcome = hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: false, timeout: .seconds(30))
        try await eventually("the first sink took the request") { first.accepted.count == 1 }
        let second = RecordingSink()
        hub.subscribeRPC(device, second)
        #expect(second.offered.isEmpty)

        hub.replyRPC(device, id: 0, payload: "1")
        #expect(await outcome == .reply("1"))
    }

    @Test func pendingRequestsAreHandedOverInIdOrder() async throws {
        let hub = DeviceHub()
        let device = DeviceID()
        let refusing = RecordingSink(accepts: false)
        hub.subscribeRPC(device, refusing)

        async let first = hub.callRPC(device, method: "first", paramsJSON: "{}", oneWay: true, timeout: .seconds(30))
        try await eventually("first offered") { refusing.offered.count == 1 }
        async let second = hub.callRPC(device, method: "second", paramsJSON: "{}", oneWay: true, timeout: .seconds(30))
        try await eventually("second offered") { refusing.offered.count == 2 }
        hub.unsubscribeRPC(device, refusing)

        let sink = RecordingSink()
        hub.subscribeRPC(device, sink)
        #expect(await first == .delivered)
        #expect(await second == .delivered)
        #expect(sink.accepted.map(\.id) == [0, 1])
        #expect(sink.accepted.map(\.method) == ["first", "second"])
    }

    @Test func detachedSinkGetsNoRPC() async {
        let hub = DeviceHub()
        let device = DeviceID()
        let sink = RecordingSink()
        hub.attach(device, sink)
        hub.subscribeRPC(device, sink)
        hub.detach(device, sink)
        let outcome = await hub.callRPC(device, method: "m", paramsJSON: "{}", oneWay: true, timeout: .milliseconds(20))
        #expect(outcome == .timeout)
        #expect(sink.offered.isEmpty)
    }
}
