import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Synchronization
import Testing

@Suite struct TelemetryWriterTests {
    @Test func concurrentWritesAllLandAndAreGroupCommitted() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let count = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<count {
                    group.addTask {
                        try await writer.write(
                            TelemetryBatch(
                                device: f.device.id,
                                entries: [TimedValues(ts: Int64(n), values: [KeyValue("n", .long(Int64(n)))])]))
                    }
                }
                try await group.waitForAll()
            }
            let history = try await f.history(["n"], 0, 10_000, limit: 1_000, ascending: true)
            #expect(history["n"] == (0..<count).map { TimeSeriesPoint(ts: Int64($0), value: .long(Int64($0))) })
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["n"])
            #expect(latest["n"] == TimeSeriesPoint(ts: Int64(count - 1), value: .long(Int64(count - 1))))

            let statistics = writer.statistics
            #expect(statistics.batches == count)
            #expect(statistics.commits >= 1)
            #expect(statistics.commits <= statistics.batches)
        }
    }

    @Test func aBatchForAnUnknownDeviceFailsAloneAndTheOthersLand() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            // The key exists before the mixed groups, so this test is about isolation only (see
            // keyFirstSeenInARolledBackGroupIsReadableAfterTheRetry for a key born in a refused group).
            try await writer.write(TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 1_000, values: [KeyValue("k", .long(0))])]))
            let outcomes = Locked<[Int: Bool]>([:])
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<20 {
                    let device = n % 5 == 0 ? DeviceID() : f.device.id
                    group.addTask {
                        do {
                            try await writer.write(
                                TelemetryBatch(device: device, entries: [TimedValues(ts: Int64(n), values: [KeyValue("k", .long(Int64(n)))])]))
                            outcomes.withLock { $0[n] = true }
                        } catch let error as StewardError where error.kind == .notFound {
                            outcomes.withLock { $0[n] = false }
                        } catch {
                            Issue.record("unexpected error \(error)")
                        }
                    }
                }
            }
            let results = outcomes.value
            #expect(results.filter { !$0.value }.keys.sorted() == [0, 5, 10, 15])
            #expect(results.filter { $0.value }.count == 16)
            let stored = try await f.history(["k"], 0, 100, ascending: true)["k"]?.map(\.ts)
            #expect(stored == (0..<20).filter { $0 % 5 != 0 }.map(Int64.init))
        }
    }

    @Test func submitCallsTheCompletionOnceDurable() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            defer { writer.shutdown() }
            let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
                writer.submit(
                    TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 7, values: [KeyValue("x", .double(0.5))])])
                ) { continuation.resume(returning: $0) }
            }
            #expect((try? result.get()) != nil)
            // Durable means visible to a reader as soon as the completion ran.
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil)
            #expect(latest == ["x": TimeSeriesPoint(ts: 7, value: .double(0.5))])
        }
    }

    @Test func shutdownCommitsQueuedWorkAndRefusesNewWork() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store)
            let completions = Locked(0)
            for n in 0..<50 {
                writer.submit(TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: Int64(n), values: [KeyValue("q", .long(1))])])) {
                    if case .success = $0 { completions.withLock { $0 += 1 } }
                }
            }
            writer.shutdown()
            #expect(completions.value == 50)
            #expect(try await f.history(["q"], 0, 100, limit: 100)["q"]?.count == 50)

            do {
                try await writer.write(TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 99, values: [KeyValue("q", .long(1))])]))
                Issue.record("a write after shutdown must fail")
            } catch let error as StewardError {
                #expect(error.kind == .unavailable)
            }
            writer.shutdown()  // a second shutdown returns at once
        }
    }

    @Test func aFailingBatchIsIsolatedFromTheRestOfItsGroup() async throws {
        let store = PoisonableStore(poison: DeviceID())
        let writer = TelemetryWriter(store: store)
        defer { writer.shutdown() }
        let good = DeviceID()
        let outcomes = Locked<[Int: Bool]>([:])
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<40 {
                let device = n == 7 || n == 23 ? store.poison : good
                group.addTask {
                    do {
                        try await writer.write(TelemetryBatch(device: device, entries: [TimedValues(ts: Int64(n), values: [])]))
                        outcomes.withLock { $0[n] = true }
                    } catch {
                        outcomes.withLock { $0[n] = false }
                    }
                }
            }
        }
        let results = outcomes.value
        #expect(results.count == 40)
        #expect(results.filter { !$0.value }.keys.sorted() == [7, 23])
        #expect(store.committedTimestamps.sorted() == (0..<40).filter { $0 != 7 && $0 != 23 }.map(Int64.init))
    }
}

/// A store on a database server gets several writer lanes: a slow group does not hold up the next one, and a flush
/// still waits for every group taken before it.
@Suite struct TelemetryWriterLaneTests {
    @Test func aSlowGroupDoesNotHoldUpTheNextAndAFlushWaitsForIt() async throws {
        let store = SlowDeviceStore()
        let writer = TelemetryWriter(store: store, lanes: 3)
        defer { writer.shutdown() }
        let slow = Task { try await writer.write(TelemetryBatch(device: store.slow, entries: [TimedValues(ts: 1, values: [])])) }
        // Once the slow group is being committed, a fast one and a flush are queued behind it.
        while !store.slowStarted { try await Task.sleep(for: .milliseconds(1)) }
        try await writer.write(TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [])]))
        store.record("fast acknowledged")
        try await writer.flush()
        store.record("flush returned")
        try await slow.value
        // The fast group committed while the slow one was still being committed; the flush returned only after both.
        let events = store.events
        #expect(events.firstIndex(of: "fast committed")! < events.firstIndex(of: "slow committed")!)
        #expect(events.last == "flush returned" && events.contains("fast acknowledged"))
    }
}

/// Commits the device `slow`'s batches only after a pause, and records the order of what happens.
final class SlowDeviceStore: TelemetryStore {
    let slow = DeviceID()
    private let log = Mutex<(events: [String], slowStarted: Bool)>(([], false))

    var events: [String] { log.withLock { $0.events } }
    var slowStarted: Bool { log.withLock { $0.slowStarted } }
    func record(_ event: String) { log.withLock { $0.events.append(event) } }

    func append(_ batches: [TelemetryBatch]) async throws {
        if batches.contains(where: { $0.device == slow }) {
            log.withLock { $0.slowStarted = true }
            try await Task.sleep(for: .milliseconds(300))
            record("slow committed")
        } else {
            record("fast committed")
        }
    }

    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] { [:] }
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] { [:] }
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] { [] }
    func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] { [:] }
}

/// A TelemetryStore that refuses, as a whole transaction, any group that contains the poison device.
final class PoisonableStore: TelemetryStore {
    struct Refused: Error {}

    let poison: DeviceID
    private let committed = Mutex<[Int64]>([])

    init(poison: DeviceID) { self.poison = poison }

    var committedTimestamps: [Int64] { committed.withLock { $0 } }

    func append(_ batches: [TelemetryBatch]) async throws {
        // Slow commits let later submitters queue up, so groups hold more than one batch.
        try await Task.sleep(for: .milliseconds(2))
        if batches.contains(where: { $0.device == poison }) { throw Refused() }
        committed.withLock { $0.append(contentsOf: batches.flatMap { $0.entries.map(\.ts) }) }
    }

    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] { [:] }
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] { [:] }
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] { [] }
    func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] { [:] }
}
