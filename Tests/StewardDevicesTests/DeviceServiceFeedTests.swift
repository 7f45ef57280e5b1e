import StewardCore
import StewardDevices
import StewardStore
import StewardTesting
import Synchronization
import Testing

/// What the device service hands the post-commit feed: attribute changes once stored, readings with their tenant.
@Suite(.timeLimit(.minutes(1))) struct DeviceServiceFeedTests {
    let device = Device(tenantID: TenantID(), name: "thermostat", accessToken: "feed-token", createdTime: 1)

    @Test func savedAttributesArePublishedOnceStored() async throws {
        let attributes = MemoryAttributeStore()
        let (service, writer) = makeService(attributes: attributes)
        defer { writer.shutdown() }
        let subscription = writer.feed.subscribe()
        try await service.saveAttributes(device, scope: .shared, values: [KeyValue("mode", .string("eco")), KeyValue("target", .long(21))])
        var iterator = subscription.makeAsyncIterator()
        guard case .event(.attributes(let change)) = await iterator.next() else {
            Issue.record("expected an attribute change")
            return
        }
        #expect(change.tenant == device.tenantID && change.device == device.id)
        #expect(change.scope == .shared)
        #expect(change.change == .saved([KeyValue("mode", .string("eco")), KeyValue("target", .long(21))]))
        #expect(change.keys == ["mode", "target"])
        #expect(change.ts == attributes.lastSaveTs)
    }

    @Test func clientAttributesFromTheDeviceArePublished() async throws {
        let (service, writer) = makeService(attributes: MemoryAttributeStore())
        defer { writer.shutdown() }
        let subscription = writer.feed.subscribe()
        try await service.saveClientAttributes(device, payload: Array(#"{"firmware":"1.2.0"}"#.utf8))
        var iterator = subscription.makeAsyncIterator()
        guard case .event(.attributes(let change)) = await iterator.next() else {
            Issue.record("expected an attribute change")
            return
        }
        #expect(change.scope == .client)
        #expect(change.change == .saved([KeyValue("firmware", .string("1.2.0"))]))
    }

    @Test func deletionsPublishOnlyTheKeysThatExisted() async throws {
        let attributes = MemoryAttributeStore()
        let (service, writer) = makeService(attributes: attributes)
        defer { writer.shutdown() }
        try await service.saveAttributes(device, scope: .server, values: [KeyValue("a", .long(1))])
        let subscription = writer.feed.subscribe()
        try await service.deleteAttributes(device, scope: .server, keys: ["missing"])
        #expect(subscription.backlog == 0)
        try await service.deleteAttributes(device, scope: .server, keys: ["a", "missing"])
        var iterator = subscription.makeAsyncIterator()
        guard case .event(.attributes(let change)) = await iterator.next() else {
            Issue.record("expected an attribute change")
            return
        }
        #expect(change.change == .deleted(["a"]))
        #expect(subscription.backlog == 0)
    }

    @Test func aRefusedSaveIsNotPublished() async throws {
        let attributes = MemoryAttributeStore()
        attributes.failing = true
        let (service, writer) = makeService(attributes: attributes)
        defer { writer.shutdown() }
        let subscription = writer.feed.subscribe()
        await #expect(throws: MemoryAttributeStore.Refused.self) {
            try await service.saveAttributes(device, scope: .shared, values: [KeyValue("mode", .string("eco"))])
        }
        #expect(subscription.backlog == 0)
    }

    @Test func telemetryIsPublishedWithTheDevicesTenantAfterTheAcknowledgement() async throws {
        let (service, writer) = makeService(attributes: MemoryAttributeStore())
        defer { writer.shutdown() }
        let subscription = writer.feed.subscribe(tenant: device.tenantID)
        let backlogAtAcknowledgement = Mutex<Int?>(nil)
        let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
            service.submitTelemetry(device, payload: Array(#"{"ts":1700000000000,"values":{"temperature":21.5}}"#.utf8)) { result in
                backlogAtAcknowledgement.withLock { $0 = subscription.backlog }
                continuation.resume(returning: result)
            }
        }
        #expect((try? result.get()) != nil)
        #expect(backlogAtAcknowledgement.withLock { $0 } == 0)
        var iterator = subscription.makeAsyncIterator()
        guard case .event(.telemetry(let telemetry)) = await iterator.next() else {
            Issue.record("expected the committed readings")
            return
        }
        #expect(telemetry.device == device.id)
        #expect(telemetry.readings == [TimedValues(ts: 1_700_000_000_000, values: [KeyValue("temperature", .double(21.5))])])
    }

    func makeService(attributes: MemoryAttributeStore) -> (DeviceService, TelemetryWriter) {
        let telemetry = DiscardingTelemetryStore()
        let writer = TelemetryWriter(store: telemetry)
        let service = DeviceService(
            devices: InMemoryDeviceStore(), attributes: attributes, telemetry: telemetry, writer: writer, hub: DeviceHub(),
            limits: SessionLimits())
        return (service, writer)
    }
}

/// Attributes in memory; `failing` refuses every save.
final class MemoryAttributeStore: AttributeStore, Sendable {
    struct Refused: Error {}

    private struct State {
        var values: [AttributeScope: [String: AttributeEntry]] = [:]
        var failing = false
        var lastSaveTs: Int64?
    }

    private let state = Mutex(State())

    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    var lastSaveTs: Int64? { state.withLock { $0.lastSaveTs } }

    func saveAttributes(
        tenant: TenantID, device: DeviceID, scope: AttributeScope, values: [KeyValue], ts: Int64, sensitiveKeys: Set<String>
    ) async throws {
        try state.withLock { state in
            if state.failing { throw Refused() }
            state.lastSaveTs = ts
            for value in values {
                state.values[scope, default: [:]][value.key] = AttributeEntry(key: value.key, value: value.value, lastUpdateTs: ts)
            }
        }
    }

    func attributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]?) async throws -> [AttributeEntry] {
        state.withLock { state in
            let all = state.values[scope] ?? [:]
            return (keys ?? all.keys.sorted()).compactMap { all[$0] }
        }
    }

    func deleteAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]) async throws -> [String] {
        state.withLock { state in
            keys.filter { state.values[scope]?.removeValue(forKey: $0) != nil }
        }
    }
}

/// Accepts every batch and keeps nothing.
final class DiscardingTelemetryStore: TelemetryStore {
    func append(_ batches: [TelemetryBatch]) async throws {}
    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] { [:] }
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] { [:] }
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] { [] }
    func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] { [:] }
}
