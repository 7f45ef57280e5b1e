import StewardCore
import StewardStore
import Testing

@testable import StewardDevices

@Suite struct DeviceConsoleLogicTests {
    @Test func activeWhileConnectedOrWithinTheTimeout() {
        let now: Int64 = 10_000_000
        #expect(DeviceActivity(lastActivity: nil, connected: false, inactivityTimeoutSeconds: 600, now: now).active == false)
        #expect(DeviceActivity(lastActivity: nil, connected: true, inactivityTimeoutSeconds: 600, now: now).active)
        #expect(DeviceActivity(lastActivity: now - 599_999, connected: false, inactivityTimeoutSeconds: 600, now: now).active)
        #expect(DeviceActivity(lastActivity: now - 600_000, connected: false, inactivityTimeoutSeconds: 600, now: now).active == false)
        #expect(DeviceActivity(lastActivity: now - 5_000, connected: false, inactivityTimeoutSeconds: 3, now: now).active == false)
        #expect(DeviceActivity(lastActivity: now - 3_600_000, connected: true, inactivityTimeoutSeconds: 60, now: now).active)
    }

    @Test func chartWindowsStayUnderThePointLimit() throws {
        let now: Int64 = 1_800_000_000_000
        let week = try ChartWindow.parse(range: "week", start: nil, end: nil, now: now)
        #expect(week.end == now && week.start == now - 7 * 24 * 3_600_000)
        #expect((week.end - week.start) / week.interval <= ChartWindow.maximumPoints)
        let query = week.query(keys: ["temperature"])
        #expect(query.aggregation == .avg && query.ascending)
        try query.validate()

        let hour = try ChartWindow.parse(range: nil, start: "", end: "", now: now)
        #expect(hour.end - hour.start == 3_600_000)
        #expect(hour.interval == 5_143)  // 3,600,000 / 700, rounded up
        let tiny = try ChartWindow.parse(range: nil, start: "1000", end: "61000", now: now)
        #expect(tiny.interval == 1_000)  // never under a second
        try tiny.query(keys: ["a"]).validate()
    }

    @Test func badRangesAreRefusedWithTheReason() {
        let now: Int64 = 1_800_000_000_000
        #expect(throws: StewardError.self) { try ChartWindow.parse(range: "month", start: nil, end: nil, now: now) }
        #expect(throws: StewardError.self) { try ChartWindow.parse(range: nil, start: "5000", end: "4000", now: now) }
        #expect(throws: StewardError.self) { try ChartWindow.parse(range: nil, start: "yesterday", end: "4000", now: now) }
        #expect(throws: StewardError.self) { try ChartWindow.parse(range: nil, start: "1000", end: nil, now: now) }
        do {
            _ = try ChartWindow.parse(range: "month", start: nil, end: nil, now: now)
        } catch {
            #expect(error.message.contains("hour, day or week"))
        }
    }
}

@Suite struct DeviceCommandTests {
    @Test func formsBecomeCommandsOrClearErrors() throws {
        let command = try DeviceCommand.parse(method: " setValue ", params: " { \"pin\" : 4 } ", oneWay: true)
        #expect(command == DeviceCommand(method: "setValue", paramsJSON: #"{"pin":4}"#, oneWay: true))
        #expect(try DeviceCommand.parse(method: "reboot", params: "", oneWay: false).paramsJSON == "null")
        do {
            _ = try DeviceCommand.parse(method: "", params: nil, oneWay: false)
            Issue.record("an empty method was accepted")
        } catch {
            #expect(error.message.contains("method"))
        }
        do {
            _ = try DeviceCommand.parse(method: "setValue", params: "{pin: 4", oneWay: false)
            Issue.record("invalid JSON params were accepted")
        } catch {
            #expect(error.message.contains("not valid JSON"))
        }
    }

    @Test func theSwitchFollowsThingsBoardsConvention() {
        #expect(DeviceCommand.switchRead() == DeviceCommand(method: "getValue", paramsJSON: "null", oneWay: false, timeoutMillis: 5_000))
        #expect(DeviceCommand.switchSet(true).paramsJSON == "true")
        #expect(DeviceCommand.switchSet(false).method == "setValue")
        #expect(DeviceCommand.switchState("true") == true)
        #expect(DeviceCommand.switchState("0") == false)
        #expect(DeviceCommand.switchState(#""on""#) == true)
        #expect(DeviceCommand.switchState(#"{"value":false}"#) == false)
        #expect(DeviceCommand.switchState(#"{"other":1}"#) == nil)
        #expect(DeviceCommand.switchState("not json") == nil)
    }

    @Test func outcomesReadAsSentences() {
        let twoWay = DeviceCommand(method: "getValue", paramsJSON: "null", oneWay: false, timeoutMillis: 5_000)
        #expect(DeviceCommandResult(twoWay, .reply("true")) == DeviceCommandResult(ok: true, message: "The device answered 'getValue'.", reply: "true"))
        let timeout = DeviceCommandResult(twoWay, .timeout)
        #expect(!timeout.ok && timeout.message.contains("within 5 s"))
        #expect(DeviceCommandResult(twoWay, .refused(.stopping)).ok == false)
        #expect(DeviceCommandResult(DeviceCommand(method: "blink", paramsJSON: "null", oneWay: true), .delivered).ok)
    }
}

/// Newest readings known per device, as the store's batch query answers them; counts how often it was asked.
final class NewestReadingsStore: TelemetryStore, @unchecked Sendable {
    let newest: [DeviceID: Int64]
    private(set) var calls = 0
    init(_ newest: [DeviceID: Int64]) { self.newest = newest }
    func append(_ batches: [TelemetryBatch]) async throws {}
    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] { [:] }
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] { [:] }
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] { [] }
    func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] { [:] }
    func newestReadingTimes(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64] {
        calls += 1
        return newest.filter { devices.contains($0.key) }
    }
}

@Suite struct DeviceActivityServiceTests {
    @Test func onePageIsOneStoreCallPlusTheHubsLiveSessions() async throws {
        let tenant = TenantID()
        let now: Int64 = 5_000_000_000
        let devices = (0..<4).map { Device(tenantID: tenant, name: "d\($0)", accessToken: "t\($0)", createdTime: 1) }
        let store = NewestReadingsStore([
            devices[0].id: now - 60_000,  // a minute ago: active
            devices[1].id: now - 3_600_000,  // an hour ago: inactive under 600 s, active under a 2-hour timeout
        ])
        let hub = DeviceHub()
        let sink = RecordingSink()
        hub.attach(devices[2].id, sink)  // connected, never reported: active
        #expect(hub.connected(devices.map(\.id)) == [devices[2].id])

        let service = DeviceActivityService(telemetry: store, hub: hub)
        let activity = try await service.activity(tenant: tenant, devices: devices, now: now) { device in
            device.name == "d1" ? 7_200 : DeviceActivity.defaultInactivityTimeout
        }
        #expect(store.calls == 1)
        #expect(activity[devices[0].id] == DeviceActivity(lastActivity: now - 60_000, connected: false, inactivityTimeoutSeconds: 600, now: now))
        #expect(activity[devices[0].id]?.active == true)
        #expect(activity[devices[1].id]?.active == true)
        #expect(activity[devices[2].id]?.active == true && activity[devices[2].id]?.lastActivity == nil)
        #expect(activity[devices[3].id]?.active == false)

        hub.detach(devices[2].id, sink)
        let later = try await service.activity(tenant: tenant, devices: devices, now: now)
        #expect(later[devices[2].id]?.active == false)
        #expect(later[devices[1].id]?.active == false)  // the default 600 s
    }
}

@Suite struct CommandDeliveryTests {
    @Test func offlineDevicesAreAnsweredAtOnceAndPollersStillGetTheirRequest() {
        #expect(CommandDelivery.decide(connected: true, active: true) == .send)
        #expect(CommandDelivery.decide(connected: true, active: false) == .send)
        #expect(CommandDelivery.decide(connected: false, active: true) == .sendAndWait)  // an HTTP device between polls
        #expect(CommandDelivery.decide(connected: false, active: false) == .notSent)
        let result = CommandDelivery.offlineResult(.switchRead(), device: "greenhouse-north")
        #expect(!result.ok && result.reply == nil)
        #expect(result.message.hasPrefix("greenhouse-north is not connected; nothing was sent"))
    }

    @Test func activityAttributesAreThingsBoards() {
        let never = DeviceActivity(lastActivity: nil, connected: false, inactivityTimeoutSeconds: 600, now: 10_000)
        #expect(never.serverAttributes(inactivityTimeoutSeconds: 600, now: 10_000).isEmpty)
        let recent = DeviceActivity(lastActivity: 9_000, connected: false, inactivityTimeoutSeconds: 600, now: 10_000)
        let entries = recent.serverAttributes(inactivityTimeoutSeconds: 600, now: 10_000)
        #expect(entries.map(\.key) == ["active", "lastActivityTime", "inactivityTimeout"])
        #expect(entries.map(\.value) == [.bool(true), .long(9_000), .long(600_000)])
        let stale = DeviceActivity(lastActivity: 9_000, connected: false, inactivityTimeoutSeconds: 1, now: 10_001)
        #expect(stale.serverAttributes(inactivityTimeoutSeconds: 1, now: 10_001).first?.value == .bool(false))
    }
}
