import Foundation
import StewardCore
import StewardSQLite
@testable import StewardStore
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct CommitFeedTests {
    @Test func aSubscriberReceivesTheCommittedBatchAfterItsCompletion() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let subscription = writer.feed.subscribe()
            let readings = [TimedValues(ts: 7, values: [KeyValue("x", .double(0.5)), KeyValue("label", .string("007"))])]
            let backlogAtCompletion = Locked<Int?>(nil)
            let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
                writer.submit(TelemetryBatch(tenant: f.tenant.id, device: f.device.id, entries: readings)) { result in
                    // Runs before the writer publishes: the subscriber has nothing yet.
                    backlogAtCompletion.withLock { $0 = subscription.backlog }
                    continuation.resume(returning: result)
                }
            }
            #expect((try? result.get()) != nil)
            #expect(backlogAtCompletion.value == 0)

            var iterator = subscription.makeAsyncIterator()
            guard case .event(let event) = await iterator.next() else {
                Issue.record("expected an event")
                return
            }
            #expect(event == .telemetry(CommittedTelemetry(tenant: f.tenant.id, device: f.device.id, readings: readings)))
            #expect(event.tenant == f.tenant.id && event.device == f.device.id)
            // Committed means readable by the time anyone hears of it.
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["x"])
            #expect(latest["x"] == TimeSeriesPoint(ts: 7, value: .double(0.5)))
        }
    }

    @Test func aFailedCommitPublishesNothing() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let subscription = writer.feed.subscribe()
            await expectStewardError(.notFound) {
                try await writer.write(
                    TelemetryBatch(tenant: f.tenant.id, device: DeviceID(), entries: [TimedValues(ts: 1, values: [KeyValue("ghost", .long(1))])]))
            }
            try await writer.write(
                TelemetryBatch(tenant: f.tenant.id, device: f.device.id, entries: [TimedValues(ts: 2, values: [KeyValue("real", .long(2))])]))
            var iterator = subscription.makeAsyncIterator()
            guard case .event(.telemetry(let first)) = await iterator.next() else {
                Issue.record("expected a telemetry event")
                return
            }
            #expect(first.device == f.device.id)
            #expect(first.readings.flatMap(\.values).map(\.key) == ["real"])
            #expect(subscription.backlog == 0)
        }
    }

    @Test func onlyTheBatchesThatCommitInAFailingGroupArePublished() async throws {
        let store = PoisonableStore(poison: DeviceID())
        let writer = TelemetryWriter(store: store)
        defer { writer.shutdown() }
        let subscription = writer.feed.subscribe()
        let tenant = TenantID()
        let good = DeviceID()
        let succeeded = Locked<Set<Int64>>([])
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<40 {
                let device = n % 9 == 4 ? store.poison : good
                group.addTask {
                    let batch = TelemetryBatch(tenant: tenant, device: device, entries: [TimedValues(ts: Int64(n), values: [KeyValue("q", .long(1))])])
                    if (try? await writer.write(batch)) != nil { succeeded.withLock { _ = $0.insert(Int64(n)) } }
                }
            }
        }
        try await writer.flush()  // queued after every write completed: a later group, so all were published
        var published: Set<Int64> = []
        var iterator = subscription.makeAsyncIterator()
        while subscription.backlog > 0, case .event(.telemetry(let event)) = await iterator.next() {
            #expect(event.device == good)
            published.formUnion(event.readings.map(\.ts))
        }
        #expect(succeeded.value.count == 40 - 4)
        #expect(published == succeeded.value)
        #expect(published == Set(store.committedTimestamps))
    }

    @Test func aSubscriberThatDoesNotReadNeverDelaysACommitAndIsToldWhatItLost() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let stuck = writer.feed.subscribe(capacity: 4)
            for n in 0..<20 {
                try await writer.write(
                    TelemetryBatch(tenant: f.tenant.id, device: f.device.id, entries: [TimedValues(ts: Int64(n), values: [KeyValue("n", .long(Int64(n)))])]))
            }
            #expect(try await f.history(["n"], 0, 100, limit: 100)["n"]?.count == 20)
            try await writer.flush()  // a later group: the last write's publication has happened
            #expect(stuck.backlog == 4)
            #expect(stuck.lostEvents == 16)

            var iterator = stuck.makeAsyncIterator()
            guard case .lost(let lost) = await iterator.next() else {
                Issue.record("a subscriber that fell behind is first told how much it lost")
                return
            }
            #expect(lost == 16)
            var newest: [Int64] = []
            for _ in 0..<4 {
                if case .event(.telemetry(let event)) = await iterator.next() { newest += event.readings.map(\.ts) }
            }
            #expect(newest == [16, 17, 18, 19])  // the oldest were dropped, the newest kept in order
        }
    }

    @Test func aSubscriberScopedToATenantSeesOnlyThatTenant() async throws {
        try await withStore { store in
            let acme = try await Fixture.make(store)
            let globex = try await Fixture.make(store, tenantName: "Globex", deviceName: "g-1")
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let everyone = writer.feed.subscribe()
            let acmeOnly = writer.feed.subscribe(tenant: acme.tenant.id)
            for fixture in [globex, acme, globex] {
                try await writer.write(
                    TelemetryBatch(
                        tenant: fixture.tenant.id, device: fixture.device.id, entries: [TimedValues(ts: 1, values: [KeyValue("t", .long(1))])]))
            }
            try await writer.flush()  // a later group: the last write's publication has happened
            #expect(everyone.backlog == 3)
            #expect(acmeOnly.backlog == 1)
            var iterator = acmeOnly.makeAsyncIterator()
            guard case .event(let event) = await iterator.next() else {
                Issue.record("expected Acme's event")
                return
            }
            #expect(event.tenant == acme.tenant.id)
        }
    }

    @Test func aBatchThatNamesNoTenantIsNotPublished() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let subscription = writer.feed.subscribe()
            try await writer.write(TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 1, values: [KeyValue("t", .long(1))])]))
            try await writer.flush()  // an empty barrier is never published either
            #expect(subscription.backlog == 0)
            #expect(try await f.history(["t"], 0, 10)["t"]?.count == 1)
        }
    }

    @Test func cancellingUnsubscribesAndEndsAWaitingIteration() async throws {
        let feed = CommitFeed()
        #expect(!feed.hasSubscribers)
        let subscription = feed.subscribe()
        #expect(feed.hasSubscribers)
        let waiting = Task {
            var count = 0
            for await _ in subscription { count += 1 }
            return count
        }
        try await waitUntil { subscription.inbox.hasWaiter }
        subscription.cancel()
        #expect(await waiting.value == 0)
        #expect(!feed.hasSubscribers)
        feed.publish(.telemetry(CommittedTelemetry(tenant: TenantID(), device: DeviceID(), readings: [])))
        #expect(subscription.backlog == 0)
    }

    @Test func cancellingTheIteratingTaskUnsubscribes() async throws {
        let feed = CommitFeed()
        let subscription = feed.subscribe()
        let waiting = Task {
            var count = 0
            for await _ in subscription { count += 1 }
            return count
        }
        try await waitUntil { subscription.inbox.hasWaiter }
        waiting.cancel()
        #expect(await waiting.value == 0)
        #expect(!feed.hasSubscribers)
    }

    @Test func droppingASubscriptionUnsubscribes() {
        let feed = CommitFeed()
        do {
            let subscription = feed.subscribe()
            #expect(feed.hasSubscribers)
            _ = subscription
        }
        #expect(!feed.hasSubscribers)
    }

    @Test func aWaitingSubscriberIsWokenByAPublish() async throws {
        let feed = CommitFeed()
        let subscription = feed.subscribe()
        let event = CommitEvent.attributes(
            AttributeChange(tenant: TenantID(), device: DeviceID(), scope: .shared, change: .deleted(["a"]), ts: 5))
        let waiting = Task {
            var iterator = subscription.makeAsyncIterator()
            return await iterator.next()
        }
        try await waitUntil { subscription.inbox.hasWaiter }
        feed.publish(event)
        guard case .event(let received) = await waiting.value else {
            Issue.record("expected the event")
            return
        }
        #expect(received == event)
    }

    @Test func theBoundedQueueKeepsTheNewestInOrder() {
        var queue = BoundedQueue<Int>(capacity: 3)
        #expect(queue.append(1) == false)
        #expect(queue.append(2) == false)
        #expect(queue.popFirst() == 1)
        #expect(queue.append(3) == false)
        #expect(queue.append(4) == false)  // wraps around inside its storage
        #expect(queue.append(5) == true)  // full: 2 is dropped
        #expect(queue.count == 3)
        var drained: [Int] = []
        while let next = queue.popFirst() { drained.append(next) }
        #expect(drained == [3, 4, 5])
        #expect(queue.isEmpty)
    }

    @Test func theBoundedQueueGrowsAfterWrappingWithoutLosingOrder() {
        var queue = BoundedQueue<Int>(capacity: 8)
        for n in 0..<3 { _ = queue.append(n) }
        _ = queue.popFirst()
        _ = queue.popFirst()
        for n in 3..<10 { #expect(queue.append(n) == false) }
        #expect(queue.count == 8)
        var drained: [Int] = []
        while let next = queue.popFirst() { drained.append(next) }
        #expect(drained == Array(2..<10))
    }
}

/// Polls `condition` until it holds (bounded generously, so a broken test fails instead of hanging).
func waitUntil(sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(50)
    while ContinuousClock.now < deadline {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("The condition never held", sourceLocation: sourceLocation)
}
