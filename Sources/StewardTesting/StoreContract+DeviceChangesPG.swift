import Foundation
import StewardCore
import StewardStore
import StewardVault
import Synchronization
import Testing

/// The device-change log and sealed attributes, added to the contract with the PostgreSQL backend: neither had a
/// contract function, and both depend on what each backend does inside its transactions.
extension StoreContract {
    /// What the handler given to `onLocalDeviceChanges` saw: how often it was called and, read right after each call,
    /// the newest change id then visible to another connection.
    final class ChangeAnnouncements: Sendable {
        let calls = Mutex(0)
        let reads = Mutex<[Task<Int64, any Error>]>([])

        var count: Int { calls.withLock { $0 } }

        /// The ids the reads after each call saw, in call order.
        func visibleIDs() async throws -> [Int64] {
            var ids: [Int64] = []
            for read in reads.withLock({ $0 }) { ids.append(try await read.value) }
            return ids
        }
    }

    /// Deleting a device, changing its token and deleting a tenant are recorded, in order, and announced to this
    /// process once committed; an update that keeps the token and a deletion that finds nothing are not. A reader
    /// resumes after the last id it saw and pages with `limit`; pruning drops old changes and never reuses ids.
    public static func deviceChangesAreRecordedAnnouncedAndPruned(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let log = try #require(s.devices as? any DeviceChangeLog, "the device store keeps the device-change log")
            let f = try await fixture(s)
            let second = Device(tenantID: f.tenant.id, name: "sensor-2", accessToken: "token-\(UUID().uuidString)", createdTime: 11)
            try await s.devices.createDevice(second)
            #expect(try await log.lastDeviceChangeID() == 0)
            #expect(try await log.deviceChanges(after: 0, limit: 10) == [])

            let announced = ChangeAnnouncements()
            log.onLocalDeviceChanges {
                announced.calls.withLock { $0 += 1 }
                let read = Task { try await log.lastDeviceChangeID() }
                announced.reads.withLock { $0.append(read) }
            }

            // Nothing to record: no announcement.
            var renamed = second
            renamed.name = "sensor-2b"
            try await s.devices.updateDevice(renamed)
            #expect(try await s.devices.deleteDevice(tenant: f.tenant.id, id: DeviceID()) == false)
            await #expect(throws: StewardError.self) {
                var taken = renamed
                taken.accessToken = f.device.accessToken
                try await s.devices.updateDevice(taken)
            }
            #expect(announced.count == 0)
            #expect(try await log.lastDeviceChangeID() == 0)

            let before = WallClock.nowMillis()
            #expect(try await s.devices.deleteDevice(tenant: f.tenant.id, id: f.device.id))
            #expect(announced.count == 1)
            var rekeyed = renamed
            rekeyed.accessToken = "token-\(UUID().uuidString)"
            try await s.devices.updateDevice(rekeyed)
            #expect(announced.count == 2)
            let after = WallClock.nowMillis()

            let changes = try await log.deviceChanges(after: 0, limit: 10)
            #expect(changes.map(\.device) == [f.device.id, second.id])
            #expect(changes.map(\.kind) == [.deleted, .credentialsChanged])
            #expect(changes.allSatisfy { $0.time >= before && $0.time <= after })
            let first = try #require(changes.first), last = try #require(changes.last)
            #expect(first.id < last.id)
            #expect(try await log.lastDeviceChangeID() == last.id)
            #expect(try await log.deviceChanges(after: 0, limit: 1) == [first])
            #expect(try await log.deviceChanges(after: first.id, limit: 10) == [last])
            #expect(try await log.deviceChanges(after: last.id, limit: 10) == [])
            // Each announcement came after its commit: a read it started already saw the change (or a later one).
            let visible = try await announced.visibleIDs()
            #expect(visible.count == 2)
            #expect(zip(visible, [first.id, last.id]).allSatisfy { $0 >= $1 })

            // A tenant's deletion records each of its devices, once, and is announced.
            let other = Tenant(name: "Other", createdTime: 2)
            try await s.accounts.createTenant(other)
            let x = Device(tenantID: other.id, name: "x", accessToken: "token-\(UUID().uuidString)", createdTime: 1)
            let y = Device(tenantID: other.id, name: "y", accessToken: "token-\(UUID().uuidString)", createdTime: 2)
            try await s.devices.createDevice(x)
            try await s.devices.createDevice(y)
            #expect(try await s.accounts.deleteTenant(id: other.id))
            #expect(announced.count == 3)
            let tenantChanges = try await log.deviceChanges(after: last.id, limit: 10)
            #expect(Set(tenantChanges.map(\.device)) == [x.id, y.id])
            #expect(tenantChanges.count == 2)
            #expect(tenantChanges.allSatisfy { $0.kind == .deleted })
            let newest = try await log.lastDeviceChangeID()
            #expect(newest == tenantChanges.map(\.id).max())

            // Pruning keeps what was recorded at or after the time given, and drops the rest; ids are never reused.
            try await log.pruneDeviceChanges(before: before)
            #expect(try await log.deviceChanges(after: 0, limit: 10).count == 4)
            try await log.pruneDeviceChanges(before: WallClock.nowMillis() + 1)
            #expect(try await log.deviceChanges(after: 0, limit: 10) == [])
            try await s.devices.deleteDevice(tenant: f.tenant.id, id: second.id)
            let afterPrune = try await log.deviceChanges(after: 0, limit: 10)
            #expect(afterPrune.map(\.device) == [second.id])
            #expect((afterPrune.first?.id ?? 0) > newest)
        }
    }

    /// Changes committed at the same time by concurrent transactions reach a reader that polls meanwhile, each once:
    /// ids grow in commit order, so resuming after the last id seen skips none. A tenant with many devices is
    /// deleted alongside (its transaction records its changes, then spends a while deleting the devices): a change
    /// that commits during that while must not get past one recorded earlier that is still to commit.
    public static func concurrentDeviceChangesReachAPollingReader(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let log = try #require(s.devices as? any DeviceChangeLog, "the device store keeps the device-change log")
            let busy = Tenant(name: "Busy", createdTime: 1), big = Tenant(name: "Big", createdTime: 2)
            try await s.accounts.createTenant(busy)
            try await s.accounts.createTenant(big)
            func make(_ tenant: Tenant, _ count: Int) async throws -> [Device] {
                var devices: [Device] = []
                for n in 0..<count {
                    let device = Device(
                        tenantID: tenant.id, name: "d\(n)", accessToken: "token-\(UUID().uuidString)", createdTime: Int64(n))
                    try await s.devices.createDevice(device)
                    devices.append(device)
                }
                return devices
            }
            let changing = try await make(busy, 12)
            let doomed = try await make(big, 600)
            let start = try await log.lastDeviceChangeID()
            let expected = changing.count + doomed.count

            async let polled: [DeviceChange] = {
                var seen: [DeviceChange] = []
                var cursor = start
                let deadline = ContinuousClock.now + .seconds(10)
                while seen.count < expected, ContinuousClock.now < deadline {
                    let page = try await log.deviceChanges(after: cursor, limit: 1_000)
                    seen += page
                    cursor = page.last?.id ?? cursor
                    try await Task.sleep(for: .milliseconds(1))
                }
                return seen
            }()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await s.accounts.deleteTenant(id: big.id) }
                for (n, device) in zip(0..., changing) {
                    group.addTask {
                        // Spread over the tenant's deletion, so some commit while it is still deleting.
                        try await Task.sleep(for: .milliseconds(2 * n))
                        if n.isMultiple(of: 2) {
                            _ = try await s.devices.deleteDevice(tenant: busy.id, id: device.id)
                        } else {
                            var rekeyed = device
                            rekeyed.accessToken = "token-\(UUID().uuidString)"
                            try await s.devices.updateDevice(rekeyed)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seen = try await polled
            #expect(seen.count == expected)
            #expect(Set(seen.map(\.device)) == Set((changing + doomed).map(\.id)))
            #expect(seen.map(\.id) == seen.map(\.id).sorted())
            #expect(try await log.lastDeviceChangeID() == seen.last?.id)
        }
    }

    /// Attributes under keys named sensitive, of a device assigned to a person, read back as written; a device that
    /// concerns nobody stores them plain. Once the person's key is destroyed the sealed ones are gone from every
    /// answer (their keys can still be deleted) and the plain ones stay.
    public static func sealedAttributesOpenOnlyWithTheKey(_ backend: SealingStoreBackend) async throws {
        try await backend.run { s, keys in
            let f = try await erasureFixture(s)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            let a = s.attributes
            let values = [KeyValue("lat", .double(51.5)), KeyValue("lon", .double(-0.12)), KeyValue("name", .string("monitor"))]
            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .client, values: values, ts: 10, sensitiveKeys: ["lat", "lon"])
            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.other.id, scope: .client, values: values, ts: 10, sensitiveKeys: ["lat", "lon"])
            let all = values.map { AttributeEntry(key: $0.key, value: $0.value, lastUpdateTs: 10) }
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.worn.id, scope: .client, keys: nil) == all)
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.worn.id, scope: .client, keys: ["lon"]) == [all[1]])
            // Overwritten by a sealed value of another type.
            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .client, values: [KeyValue("lat", .string("north"))], ts: 20,
                sensitiveKeys: ["lat"])
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.worn.id, scope: .client, keys: ["lat"])
                    == [AttributeEntry(key: "lat", value: .string("north"), lastUpdateTs: 20)])

            try keys.destroy(f.person.id)
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.worn.id, scope: .client, keys: nil) == [all[2]])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.other.id, scope: .client, keys: nil) == all)
            #expect(try await a.deleteAttributes(tenant: f.tenant.id, device: f.worn.id, scope: .client, keys: ["lat", "x"]) == ["lat"])
        }
    }
}
