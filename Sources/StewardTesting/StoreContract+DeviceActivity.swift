import Foundation
import StewardCore
import StewardStore
import Testing

extension StoreContract {
    // MARK: - Device activity (the console's device list)

    /// `newestReadingTimes` answers, for a list of devices, each one's newest reading over all its keys, in one call:
    /// a device without readings, an unknown id and another tenant's device are absent; an empty list answers empty.
    public static func newestReadingTimesAnswerAPageAtOnce(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let quiet = Device(tenantID: f.tenant.id, name: "quiet", accessToken: "token-\(UUID().uuidString)", createdTime: 11)
            try await s.devices.createDevice(quiet)
            let second = Device(tenantID: f.tenant.id, name: "second", accessToken: "token-\(UUID().uuidString)", createdTime: 12)
            try await s.devices.createDevice(second)
            let other = try await fixture(s, tenantName: "Other", deviceName: "foreign")

            #expect(try await s.telemetry.newestReadingTimes(tenant: f.tenant.id, devices: []) == [:])
            #expect(try await s.telemetry.newestReadingTimes(tenant: f.tenant.id, devices: [f.device.id, quiet.id]) == [:])

            try await write(s, f.device.id, "temperature", [(1_000, .double(20.5)), (3_000, .double(21))])
            try await write(s, f.device.id, "humidity", [(5_000, .long(40))])
            try await write(s, f.device.id, "temperature", [(2_000, .double(19))])  // a late reading changes nothing
            try await write(s, second.id, "on", [(7_000, .bool(true))])
            try await write(s, other.device.id, "x", [(9_000, .long(1))])

            let answer = try await s.telemetry.newestReadingTimes(
                tenant: f.tenant.id, devices: [f.device.id, quiet.id, second.id, other.device.id, DeviceID(), f.device.id])
            #expect(answer == [f.device.id: 5_000, second.id: 7_000])
            #expect(try await s.telemetry.newestReadingTimes(tenant: other.tenant.id, devices: [other.device.id, f.device.id])
                == [other.device.id: 9_000])

            _ = try await s.devices.deleteDevice(tenant: f.tenant.id, id: second.id)
            #expect(try await s.telemetry.newestReadingTimes(tenant: f.tenant.id, devices: [f.device.id, second.id]) == [f.device.id: 5_000])
        }
    }
}

extension StoreContract {
    /// `person(concerning:tenant:)`: the device's assignee; else the only member of its tenant; nil with several
    /// members and no assignee, and for another tenant's device.
    public static func personConcerningADevice(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            #expect(try await s.personalData.person(concerning: f.device.id, tenant: f.tenant.id) == nil)
            let owner = User(tenantID: f.tenant.id, customerID: nil, email: "owner@example.com", authority: .tenantAdmin, createdTime: 1)
            try await s.accounts.createUser(owner, passwordHash: "x")
            #expect(try await s.personalData.person(concerning: f.device.id, tenant: f.tenant.id) == owner.id)
            let other = try await fixture(s, tenantName: "Other", deviceName: "foreign")
            #expect(try await s.personalData.person(concerning: f.device.id, tenant: other.tenant.id) == nil)

            let second = User(tenantID: f.tenant.id, customerID: nil, email: "second@example.com", authority: .tenantAdmin, createdTime: 2)
            try await s.accounts.createUser(second, passwordHash: "x")
            #expect(try await s.personalData.person(concerning: f.device.id, tenant: f.tenant.id) == nil)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.device.id, to: second.id)
            #expect(try await s.personalData.person(concerning: f.device.id, tenant: f.tenant.id) == second.id)
        }
    }
}

extension StoreContract {
    /// `dataCounts`: readings, attributes and totals of one device of the tenant; nil for another tenant's device.
    public static func deviceDataCountsForDeletion(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let other = try await fixture(s, tenantName: "Other", deviceName: "foreign")
            #expect(try await s.personalData.dataCounts(device: f.device.id, tenant: f.tenant.id) == DeviceDataCounts(readings: 0, attributes: 0, totals: 0))
            try await write(s, f.device.id, "t", [(1_000, .long(1)), (2_000, .long(2))])
            try await write(s, f.device.id, "h", [(1_500, .long(3))])
            try await write(s, other.device.id, "t", [(1_000, .long(1))])
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("mode", .string("eco"))], ts: 5)
            #expect(try await s.personalData.dataCounts(device: f.device.id, tenant: f.tenant.id) == DeviceDataCounts(readings: 3, attributes: 1, totals: 0))
            #expect(try await s.personalData.dataCounts(device: f.device.id, tenant: other.tenant.id) == nil)
        }
    }
}
