import StewardCore
import StewardDevices
import StewardStore
import Testing

/// The fan-out: committed events reach only matching subscriptions, and a full outbox cuts its session off.
@Suite(.timeLimit(.minutes(1))) struct LiveHubTests {
    let tenant = TenantID()
    let device = DeviceID()

    func telemetry(_ values: [KeyValue], ts: Int64 = 1_000, device: DeviceID? = nil) -> CommitEvent {
        .telemetry(CommittedTelemetry(tenant: tenant, device: device ?? self.device, readings: [TimedValues(ts: ts, values: values)]))
    }

    func frames(_ outbox: LiveOutbox) async -> [String] {
        var out: [String] = []
        outbox.close(code: 1000, reason: "end")
        for await item in outbox {
            if case .frame(let text) = item { out.append(text) }
        }
        return out
    }

    @Test func readingsReachTheSubscriptionsOfTheirDeviceAndKeys() async {
        let hub = LiveHub(feed: CommitFeed())
        let all = LiveOutbox(), onlyHumidity = LiveOutbox(), other = LiveOutbox()
        hub.register(all, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        hub.register(onlyHumidity, subscriptionID: 2, device: device, filter: .timeseries(keys: ["humidity"]))
        hub.register(other, subscriptionID: 3, device: DeviceID(), filter: .timeseries(keys: nil))
        hub.dispatch(telemetry([KeyValue("temperature", .double(21.5))]))
        hub.dispatch(telemetry([KeyValue("humidity", .long(40))], ts: 2_000))
        #expect(await frames(all).count == 2)
        #expect(await frames(onlyHumidity) == [#"{"subscriptionId":2,"errorCode":0,"errorMsg":null,"data":{"humidity":[[2000,"40"]]},"latestValues":{"humidity":2000}}"#])
        #expect(await frames(other).isEmpty)
    }

    @Test func attributeChangesFollowScopeAndKeys() async {
        let hub = LiveHub(feed: CommitFeed())
        let shared = LiveOutbox(), server = LiveOutbox()
        hub.register(shared, subscriptionID: 1, device: device, filter: .attributes(scope: .shared, keys: nil))
        hub.register(server, subscriptionID: 2, device: device, filter: .attributes(scope: .server, keys: ["x"]))
        hub.dispatch(.attributes(AttributeChange(tenant: tenant, device: device, scope: .shared, change: .saved([KeyValue("mode", .string("eco"))]), ts: 7)))
        hub.dispatch(.attributes(AttributeChange(tenant: tenant, device: device, scope: .server, change: .saved([KeyValue("y", .long(1))]), ts: 8)))
        #expect(await frames(shared) == [#"{"subscriptionId":1,"errorCode":0,"errorMsg":null,"data":{"mode":[[7,"eco"]]},"latestValues":{"mode":7}}"#])
        #expect(await frames(server).isEmpty)
    }

    @Test func unsubscribingStopsUpdates() async {
        let hub = LiveHub(feed: CommitFeed())
        let outbox = LiveOutbox()
        hub.register(outbox, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        hub.register(outbox, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        #expect(hub.subscriptionCount == 1)
        hub.unregister(outbox, subscriptionID: 1)
        hub.dispatch(telemetry([KeyValue("t", .long(1))]))
        #expect(hub.subscriptionCount == 0)
        #expect(await frames(outbox).isEmpty)
    }

    @Test func aDeviceChangingHandsStopsItsCustomerSubscriptionsAtOnce() async {
        let hub = LiveHub(feed: CommitFeed())
        let customer = LiveOutbox(), administrator = LiveOutbox(), elsewhere = LiveOutbox()
        hub.register(customer, subscriptionID: 1, device: device, filter: .timeseries(keys: nil), customerLimited: true)
        hub.register(administrator, subscriptionID: 2, device: device, filter: .timeseries(keys: nil))
        hub.register(elsewhere, subscriptionID: 3, device: DeviceID(), filter: .timeseries(keys: nil), customerLimited: true)
        hub.accessChanged(device: device)
        hub.dispatch(telemetry([KeyValue("temperature", .double(21.5))]))
        #expect(customer.takeRecheckRequest() && !customer.takeRecheckRequest())
        #expect(!administrator.takeRecheckRequest() && !elsewhere.takeRecheckRequest())
        #expect(await frames(customer).isEmpty)
        #expect(await frames(administrator).count == 1)
        #expect(hub.subscriptionCount == 2)
    }

    @Test func aSlowSubscriberIsCutOffAndNeverBlocksTheFanOut() async {
        let hub = LiveHub(feed: CommitFeed())
        let slow = LiveOutbox(capacity: 3), fast = LiveOutbox(capacity: 100)
        hub.register(slow, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        hub.register(fast, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        for ts in 1...5 { hub.dispatch(telemetry([KeyValue("t", .long(Int64(ts)))], ts: Int64(ts))) }
        #expect(slow.isClosing)
        #expect(hub.subscriptionCount == 1)
        var items: [LiveOutbox.Item] = []
        for await item in slow { items.append(item) }
        guard case .close(1008, let reason)? = items.last, items.count == 1 else {
            Issue.record("expected only the close, got \(items)")
            return
        }
        #expect(reason.contains("Too many queued messages (3)"))
        #expect(await frames(fast).count == 5)
    }

    @Test func anIdleHubLeavesTheFeedWithoutSubscribers() async {
        let feed = CommitFeed()
        let hub = LiveHub(feed: feed)
        let task = Task { await hub.run() }
        defer { task.cancel() }
        #expect(!feed.hasSubscribers)
        let first = LiveOutbox(), second = LiveOutbox()
        hub.register(first, subscriptionID: 1, device: device, filter: .timeseries(keys: nil))
        hub.register(second, subscriptionID: 1, device: DeviceID(), filter: .timeseries(keys: nil))
        #expect(feed.hasSubscribers && hub.isFollowingFeed)
        hub.unregister(first, subscriptionID: 1)
        #expect(feed.hasSubscribers)
        hub.unregisterAll(second)
        #expect(!feed.hasSubscribers && !hub.isFollowingFeed)
        // Subscribing again follows the feed again, and events reach the new subscription.
        let third = LiveOutbox()
        hub.register(third, subscriptionID: 2, device: device, filter: .timeseries(keys: nil))
        feed.publish(telemetry([KeyValue("t", .long(9))]))
        var iterator = third.makeAsyncIterator()
        #expect(await iterator.next() == .frame(#"{"subscriptionId":2,"errorCode":0,"errorMsg":null,"data":{"t":[[1000,"9"]]},"latestValues":{"t":1000}}"#))
    }

    @Test func theHubReadsThePostCommitFeed() async throws {
        let feed = CommitFeed()
        let hub = LiveHub(feed: feed)
        let outbox = LiveOutbox()
        hub.register(outbox, subscriptionID: 9, device: device, filter: .timeseries(keys: nil))
        let task = Task { await hub.run() }
        defer { task.cancel() }
        while !feed.hasSubscribers { await Task.yield() }
        feed.publish(telemetry([KeyValue("t", .long(5))]))
        var iterator = outbox.makeAsyncIterator()
        #expect(await iterator.next() == .frame(#"{"subscriptionId":9,"errorCode":0,"errorMsg":null,"data":{"t":[[1000,"5"]]},"latestValues":{"t":1000}}"#))
    }
}
