import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import StewardTesting
import Testing

@testable import StewardDevices

/// A real SQLite store in a temporary directory, a real hub with recording sessions, and the management service and
/// change watcher over them, as the server assembles them.
struct ManagementFixture {
    let directory: String
    let store: SQLiteStore
    let hub = DeviceHub()
    let watcher: DeviceChangeWatcher
    let management: DeviceManagement
    let tenant = Tenant(name: "Acme", createdTime: 1)

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-management-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        watcher = DeviceChangeWatcher(log: store, hub: hub)
        management = DeviceManagement(devices: store, accounts: store, people: store, changes: watcher)
        try await store.createTenant(tenant)
        try await watcher.start()
    }

    /// Another process on the same data directory (the CLI): its own store, hub and watcher.
    func otherProcess() throws -> DeviceManagement {
        let store = try SQLiteStore(directory: directory, durability: .normal)
        return DeviceManagement(devices: store, accounts: store, people: store, changes: DeviceChangeWatcher(log: store, hub: DeviceHub()))
    }

    /// A live session of the device, as an MQTT connection registers it.
    func connect(_ device: Device) -> RecordingSink {
        let sink = RecordingSink()
        hub.attach(device.id, sink)
        return sink
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite struct DeviceManagementTests {
    @Test func createAppliesTheRules() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "  boiler  ", accessToken: "boiler-token"))
        #expect(device.name == "boiler")
        #expect(device.type == "default")
        #expect(try await f.store.device(accessToken: "boiler-token")?.id == device.id)

        let tooLong = await #expect(throws: StewardError.self) {
            try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "other", accessToken: String(repeating: "t", count: 300)))
        }
        #expect(tooLong?.message == "An access token must be 1 to 256 bytes long (got 300)")
        #expect(try await f.store.device(tenant: f.tenant.id, named: "other") == nil)

        await #expect(throws: StewardError.badRequest("Device with such name already exists!")) {
            try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "boiler "))
        }
        await #expect(throws: StewardError.accessTokenUnavailable) {
            try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "second", accessToken: "boiler-token"))
        }
    }

    @Test func aGeneratedTokenFollowsTheRules() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "generated"))
        try DeviceRules.checkToken(device.accessToken)
    }

    @Test func deleteClosesTheDevicesSessionsAndItsTokenStopsWorking() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "meter", accessToken: "meter-token"))
        let other = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "other", accessToken: "other-token"))
        #expect(try await f.store.device(accessToken: "meter-token") != nil)  // now cached
        let session = f.connect(device)
        let bystander = f.connect(other)

        #expect(try await f.management.delete(tenant: f.tenant.id, id: device.id))
        #expect(session.closeReasons == ["Device was deleted"])
        #expect(bystander.closeReasons.isEmpty)
        #expect(try await f.store.device(accessToken: "meter-token") == nil)
        // Applied once: the server's poll that follows finds nothing left to do.
        #expect(try await f.watcher.catchUp().isEmpty)
        #expect(session.closeReasons.count == 1)
    }

    @Test func aNewTokenClosesOldSessionsAndAnUnchangedOneDoesNot() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "valve", accessToken: "valve-1"))
        let session = f.connect(device)

        _ = try await f.management.update(tenant: f.tenant.id, id: device.id, DeviceDraft(name: "valve", label: "hall"))
        #expect(session.closeReasons.isEmpty)

        await #expect(throws: StewardError.self) {
            try await f.management.update(tenant: f.tenant.id, id: device.id, DeviceDraft(name: "valve", accessToken: "has space"))
        }
        #expect(session.closeReasons.isEmpty)

        let updated = try await f.management.update(tenant: f.tenant.id, id: device.id, DeviceDraft(name: "valve", accessToken: "valve-2"))
        #expect(updated.accessToken == "valve-2")
        #expect(session.closeReasons == ["Device credentials were changed"])
        #expect(try await f.store.device(accessToken: "valve-1") == nil)
        #expect(try await f.store.device(accessToken: "valve-2")?.id == device.id)
    }

    @Test func aDeletionByAnotherProcessReachesThisOnesSessionsAndCache() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "pump", accessToken: "pump-token"))
        #expect(try await f.store.device(accessToken: "pump-token") != nil)  // cached here for a few seconds
        let session = f.connect(device)

        let cli = try f.otherProcess()
        #expect(try await cli.delete(tenant: f.tenant.id, id: device.id))
        #expect(session.closeReasons.isEmpty)  // nothing has told this process yet

        let applied = try await f.watcher.catchUp()
        #expect(applied.map(\.kind) == [.deleted])
        #expect(applied.map(\.device) == [device.id])
        #expect(session.closeReasons == ["Device was deleted"])
        #expect(try await f.store.device(accessToken: "pump-token") == nil)
    }

    @Test func aChangeCommittedInThisProcessWithoutTheServiceAppliesAtOnce() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        f.watcher.followLocalChanges()
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "heater"))
        let session = f.connect(device)
        // As an erasure or a tenant's deletion does: straight through the store, nobody calls the watcher.
        #expect(try await f.store.deleteDevice(tenant: f.tenant.id, id: device.id))
        try await eventually("the session is closed") { session.closeReasons == ["Device was deleted"] }
        #expect(try await f.watcher.catchUp().isEmpty)
    }

    @Test func aRefusedTokenChangeRecordsNothingAndClosesNothing() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        f.watcher.followLocalChanges()
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "fan", accessToken: "fan-1"))
        let other = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "fan-2", accessToken: "fan-2"))
        let session = f.connect(device)
        var taken = device
        taken.accessToken = other.accessToken  // the UNIQUE constraint rolls the update back
        await #expect(throws: StewardError.accessTokenUnavailable) { try await f.store.updateDevice(taken) }
        #expect(try await f.store.deviceChanges(after: 0, limit: 10).isEmpty)
        #expect(try await f.watcher.catchUp().isEmpty)
        #expect(session.closeReasons.isEmpty)
    }

    @Test func deletingATenantRecordsEachOfItsDevices() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let a = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "a"))
        let b = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "b"))
        let sessions = [f.connect(a), f.connect(b)]
        #expect(try await f.store.deleteTenant(id: f.tenant.id))
        let applied = try await f.watcher.catchUp()
        #expect(Set(applied.map(\.device)) == [a.id, b.id])
        #expect(sessions.map(\.closeReasons) == [["Device was deleted"], ["Device was deleted"]])
    }

    @Test func aWatcherStartsAtTheNewestChange() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "old"))
        try await f.management.delete(tenant: f.tenant.id, id: device.id)
        let late = DeviceChangeWatcher(log: f.store, hub: f.hub)
        try await late.start()
        #expect(try await late.catchUp().isEmpty)
    }

    @Test func oldChangesArePruned() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "gone"))
        try await f.management.delete(tenant: f.tenant.id, id: device.id)
        #expect(try await f.store.deviceChanges(after: 0, limit: 10).count == 1)
        try await f.store.pruneDeviceChanges(before: WallClock.nowMillis() + 1)
        #expect(try await f.store.deviceChanges(after: 0, limit: 10).isEmpty)
    }

    @Test func assignmentToACustomerChecksTheCustomerIsInTheTenant() async throws {
        let f = try await ManagementFixture()
        defer { f.remove() }
        let device = try await f.management.create(tenant: f.tenant.id, DeviceDraft(name: "lamp"))
        let customer = Customer(tenantID: f.tenant.id, name: "Flat 3", createdTime: 2)
        try await f.store.createCustomer(customer)
        let elsewhere = Tenant(name: "Other", createdTime: 3)
        try await f.store.createTenant(elsewhere)
        let foreign = Customer(tenantID: elsewhere.id, name: "Foreign", createdTime: 4)
        try await f.store.createCustomer(foreign)

        #expect(try await f.management.assign(tenant: f.tenant.id, device: device.id, customer: customer.id).customerID == customer.id)
        await #expect(throws: StewardError.notFound("Customer is not found")) {
            try await f.management.assign(tenant: f.tenant.id, device: device.id, customer: foreign.id)
        }
        #expect(try await f.management.assign(tenant: f.tenant.id, device: device.id, customer: nil).customerID == nil)
        await #expect(throws: StewardError.self) {
            try await f.management.assign(tenant: elsewhere.id, device: device.id, customer: nil)
        }
    }
}
