import Foundation
import StewardCore
import StewardStore
import Testing

/// Device profiles as ThingsBoard users set them (issue 15): fields, the default flag, pages, deletion.
extension StoreContract {
    public static func profileFieldsRoundTripAndUpdate(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let meters = DeviceProfile(
                tenantID: a.id, name: "meters", description: "Water meters", inactivityTimeout: 3_600, isDefault: true,
                storageTTL: 86_400, provisionKey: "k-1", provisionSecret: "s-1", provisionStrategy: .allowCreateNewDevices,
                createdTime: 5)
            try await s.devices.createProfile(meters)
            #expect(try await s.devices.profile(tenant: a.id, id: meters.id) == meters)
            #expect(try await s.devices.profile(tenant: b.id, id: meters.id) == nil)
            #expect(try await s.devices.defaultProfile(tenant: a.id) == meters)
            #expect(try await s.devices.defaultProfile(tenant: b.id) == nil)

            let plain = DeviceProfile(tenantID: a.id, name: "plain", createdTime: 6)
            try await s.devices.createProfile(plain)
            let read = try #require(try await s.devices.profile(tenant: a.id, id: plain.id))
            #expect(read.inactivityTimeout == 600 && read.description == nil && !read.isDefault && read.storageTTL == nil)

            // The update writes the settings, never the name or the default flag.
            var changed = meters
            changed.name = "renamed"
            changed.isDefault = false
            changed.description = nil
            changed.inactivityTimeout = 60
            changed.storageTTL = nil
            changed.provisionKey = nil
            changed.provisionSecret = nil
            changed.provisionStrategy = nil
            try await s.devices.updateProfile(changed)
            var expected = changed
            expected.name = "meters"
            expected.isDefault = true
            #expect(try await s.devices.profile(tenant: a.id, id: meters.id) == expected)
            #expect(try await s.devices.profile(provisionKey: "k-1") == nil)

            // Another tenant cannot update it.
            var foreign = expected
            foreign.tenantID = b.id
            foreign.inactivityTimeout = 1
            await #expect(throws: StewardError.self) { try await s.devices.updateProfile(foreign) }
            #expect(try await s.devices.profile(tenant: a.id, id: meters.id)?.inactivityTimeout == 60)
        }
    }

    /// The default TTL is the storage TTL retention reads: one column, whichever way it was set.
    public static func profileTTLIsTheStorageTTL(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1)
            try await s.accounts.createTenant(a)
            var profile = DeviceProfile(tenantID: a.id, name: "sensors", createdTime: 1)
            try await s.devices.createProfile(profile)
            profile.storageTTL = 7_200
            try await s.devices.updateProfile(profile)
            #expect(try await s.retention.storageTTLs() == [StorageTTL(scope: .profile(profile.id), name: "sensors", seconds: 7_200)])
            try await s.retention.setStorageTTL(.profile(profile.id), tenant: a.id, seconds: 60)
            #expect(try await s.devices.profile(tenant: a.id, id: profile.id)?.storageTTL == 60)
        }
    }

    public static func profileDefaultIsOnePerTenant(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let first = DeviceProfile(tenantID: a.id, name: "default", isDefault: true, createdTime: 1)
            let second = DeviceProfile(tenantID: a.id, name: "second", createdTime: 2)
            let theirs = DeviceProfile(tenantID: b.id, name: "default", isDefault: true, createdTime: 1)
            for profile in [first, second, theirs] { try await s.devices.createProfile(profile) }

            // A second default is refused by the store itself.
            await #expect(throws: (any Error).self) {
                try await s.devices.createProfile(DeviceProfile(tenantID: a.id, name: "third", isDefault: true, createdTime: 3))
            }
            try await s.devices.setDefaultProfile(tenant: a.id, id: second.id)
            #expect(try await s.devices.defaultProfile(tenant: a.id)?.id == second.id)
            #expect(try await s.devices.profile(tenant: a.id, id: first.id)?.isDefault == false)
            #expect(try await s.devices.defaultProfile(tenant: b.id)?.id == theirs.id)
            // Setting it again changes nothing; another tenant's profile is not found and changes nothing.
            try await s.devices.setDefaultProfile(tenant: a.id, id: second.id)
            #expect(try await s.devices.defaultProfile(tenant: a.id)?.id == second.id)
            await #expect(throws: StewardError.self) { try await s.devices.setDefaultProfile(tenant: b.id, id: first.id) }
            #expect(try await s.devices.defaultProfile(tenant: b.id)?.id == theirs.id)
            #expect(try await s.devices.profile(tenant: a.id, id: first.id)?.isDefault == false)
        }
    }

    public static func profilePagesSearchAndSort(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let names = ["default", "Boiler", "attic sensor", "100%_meter", "Cellar"]
            var made: [DeviceProfile] = []
            for (index, name) in names.enumerated() {
                let profile = DeviceProfile(
                    tenantID: a.id, name: name, description: "d\(names.count - index)", isDefault: index == 0,
                    createdTime: Int64(10 + index))
                try await s.devices.createProfile(profile)
                made.append(profile)
            }
            try await s.devices.createProfile(DeviceProfile(tenantID: b.id, name: "Boiler", createdTime: 1))

            let byTime = try await s.devices.profiles(tenant: a.id, textSearch: nil, order: DeviceProfileOrder(), limit: 10, offset: 0)
            #expect(byTime.map(\.name) == names)
            let byName = try await s.devices.profiles(
                tenant: a.id, textSearch: nil, order: DeviceProfileOrder(property: .name), limit: 2, offset: 1)
            #expect(byName.map(\.name) == ["attic sensor", "Boiler"])
            let newest = try await s.devices.profiles(
                tenant: a.id, textSearch: nil, order: DeviceProfileOrder(property: .createdTime, ascending: false), limit: 1, offset: 0)
            #expect(newest.map(\.name) == ["Cellar"])
            let byDescription = try await s.devices.profiles(
                tenant: a.id, textSearch: nil, order: DeviceProfileOrder(property: .description), limit: 10, offset: 0)
            #expect(byDescription.map(\.name) == names.reversed())
            let defaultLast = try await s.devices.profiles(
                tenant: a.id, textSearch: nil, order: DeviceProfileOrder(property: .isDefault), limit: 10, offset: 0)
            #expect(defaultLast.last?.name == "default")

            // The search ignores case, matches inside the name, and takes % and _ literally.
            #expect(try await s.devices.profiles(tenant: a.id, textSearch: "ELL", order: DeviceProfileOrder(), limit: 10, offset: 0)
                .map(\.name) == ["Cellar"])
            #expect(try await s.devices.profileCount(tenant: a.id, textSearch: "ER") == 2)
            #expect(try await s.devices.profiles(tenant: a.id, textSearch: "%_", order: DeviceProfileOrder(), limit: 10, offset: 0)
                .map(\.name) == ["100%_meter"])
            #expect(try await s.devices.profileCount(tenant: a.id, textSearch: "_") == 1)
            #expect(try await s.devices.profileCount(tenant: a.id, textSearch: nil) == 5)
            #expect(try await s.devices.profileCount(tenant: b.id, textSearch: nil) == 1)
        }
    }

    public static func profileDeletionAndDeviceCounts(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let used = DeviceProfile(tenantID: a.id, name: "used", createdTime: 1)
            let spare = DeviceProfile(tenantID: a.id, name: "spare", createdTime: 2)
            try await s.devices.createProfile(used)
            try await s.devices.createProfile(spare)
            for index in 0..<3 {
                try await s.devices.createDevice(
                    Device(tenantID: a.id, profileID: used.id, name: "d\(index)", accessToken: "tok-\(index)", createdTime: 1))
            }
            try await s.devices.createDevice(Device(tenantID: a.id, name: "bare", accessToken: "tok-bare", createdTime: 1))
            #expect(try await s.devices.profileDeviceCounts(tenant: a.id) == [used.id: 3])
            #expect(try await s.devices.profileDeviceCounts(tenant: b.id) == [:])

            #expect(try await s.devices.deleteProfile(tenant: b.id, id: spare.id) == false)
            #expect(try await s.devices.profile(tenant: a.id, id: spare.id) != nil)
            #expect(try await s.devices.deleteProfile(tenant: a.id, id: spare.id))
            #expect(try await s.devices.profile(tenant: a.id, id: spare.id) == nil)
            #expect(try await s.devices.deleteProfile(tenant: a.id, id: spare.id) == false)
            // The store itself lets a used profile go (the service refuses); its devices keep going without one.
            #expect(try await s.devices.deleteProfile(tenant: a.id, id: used.id))
            #expect(try await s.devices.device(tenant: a.id, named: "d0")?.profileID == nil)
            #expect(try await s.devices.profileDeviceCounts(tenant: a.id) == [:])
        }
    }
}
