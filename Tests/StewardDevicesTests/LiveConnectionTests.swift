import StewardCore
import StewardSQLite
import StewardStore
import Synchronization
import Testing

@testable import StewardDevices

/// A session end to end without sockets: commands through `LiveConnection`, visibility through `ScopeService` on a
/// real SQLite store, readings through the telemetry writer and the post-commit feed.
@Suite(.timeLimit(.minutes(1))) struct LiveConnectionTests {
    struct Setup {
        let fixture: ScopeFixture
        let writer: TelemetryWriter
        let devices: DeviceService
        let service: LiveService
        let fanOut: Task<Void, Never>
        let now = TestClock()

        init() async throws {
            fixture = try await ScopeFixture()
            writer = TelemetryWriter(store: fixture.store)
            devices = DeviceService(
                devices: fixture.store, attributes: fixture.store, telemetry: fixture.store, writer: writer, hub: DeviceHub(),
                limits: SessionLimits())
            service = LiveService(hub: LiveHub(feed: writer.feed), devices: devices, scopes: fixture.scopes)
            let hub = service.hub
            fanOut = Task { await hub.run() }
        }

        func connect(_ user: User) -> LiveConnection {
            let now = self.now
            return LiveConnection(
                format: .telemetryPlugin, authentication: LiveAuthentication(scope: fixture.scope(user), expiresAt: nil), service: service,
                clock: { now.millis.withLock { $0 } }, authenticate: { _ in .failure(.unauthorized("no tokens here")) })
        }

        func finish() {
            fanOut.cancel()
            writer.shutdown()
            fixture.remove()
        }
    }

    static func subscribe(_ cmdId: Int, _ device: Device) -> LiveSession.Event {
        .text(#"{"tsSubCmds":[{"cmdId":\#(cmdId),"entityType":"DEVICE","entityId":"\#(device.id)"}]}"#)
    }

    static func next(_ connection: LiveConnection) async throws -> JSONValue {
        var iterator = connection.outbox.makeAsyncIterator()
        guard case .frame(let text)? = await iterator.next() else { throw StewardError.badRequest("the session closed") }
        return try JSONParser.parse(text)
    }

    @Test func aCustomerUserSeesOnlyTheirCustomersDevice() async throws {
        let setup = try await Setup()
        defer { setup.finish() }
        let resident = setup.connect(setup.fixture.resident)
        await resident.handle(Self.subscribe(1, setup.fixture.inFlat1))
        #expect(try await Self.next(resident)["errorCode"] == .number("0"))
        for (cmdId, device) in [(2, setup.fixture.inFlat2), (3, setup.fixture.unassigned), (4, setup.fixture.elsewhere)] {
            await resident.handle(Self.subscribe(cmdId, device))
            let refusal = try await Self.next(resident)
            #expect(refusal["subscriptionId"] == .number("\(cmdId)") && refusal["errorCode"] == .number("3"))
            #expect(refusal["errorMsg"] == .string("Device with id [\(device.id)] is not found"))
        }
        // A reading of another customer's device never reaches them; their own does, after the commit.
        try await setup.devices.saveTelemetry(setup.fixture.inFlat2, payload: Array(#"{"ts":5000,"values":{"t":1}}"#.utf8))
        try await setup.devices.saveTelemetry(setup.fixture.inFlat1, payload: Array(#"{"ts":6000,"values":{"t":2}}"#.utf8))
        let update = try await Self.next(resident)
        #expect(update["subscriptionId"] == .number("1"))
        #expect(update["data"] == .object([JSONMember("t", .array([.array([.number("6000"), .string("2")])]))]))
        #expect(setup.service.hub.subscriptionCount == 1)
    }

    @Test func anotherTenantsAdministratorGetsAnErrorNeverData() async throws {
        let setup = try await Setup()
        defer { setup.finish() }
        let stranger = setup.connect(setup.fixture.stranger)
        await stranger.handle(
            .text(#"{"historyCmds":[{"cmdId":7,"entityType":"DEVICE","entityId":"\#(setup.fixture.inFlat1.id)","keys":"t","startTs":0,"endTs":9000}]}"#))
        let refusal = try await Self.next(stranger)
        #expect(refusal["errorCode"] == .number("3") && refusal["data"] == .null)
        await stranger.handle(Self.subscribe(8, setup.fixture.elsewhere))
        #expect(try await Self.next(stranger)["errorCode"] == .number("0"))
    }

    @Test func aDeviceThatLeavesTheCustomerEndsTheSubscriptionAtTheNextCheck() async throws {
        let setup = try await Setup()
        defer { setup.finish() }
        let resident = setup.connect(setup.fixture.resident)
        await resident.handle(Self.subscribe(1, setup.fixture.inFlat1))
        _ = try await Self.next(resident)
        var moved = setup.fixture.inFlat1
        moved.customerID = setup.fixture.flat2.id
        try await setup.fixture.store.updateDevice(moved)
        setup.now.millis.withLock { $0 += LiveSession.recheckInterval }
        await resident.handle(.tick)
        let ended = try await Self.next(resident)
        #expect(ended["subscriptionId"] == .number("1") && ended["errorCode"] == .number("3"))
        #expect(setup.service.hub.subscriptionCount == 0)
    }
}

/// Milliseconds a test moves by hand.
final class TestClock: Sendable {
    let millis = Mutex<Int64>(1_000_000)
}
