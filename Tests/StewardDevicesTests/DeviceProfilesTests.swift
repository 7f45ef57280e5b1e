import StewardCore
import StewardDevices
import StewardStore
import StewardTesting
import Testing

/// The device profile rules, without a database: one default per tenant, names fixed and unique, provisioning
/// key and secret together and unique, a profile in use or the default never deleted.
@Suite struct DeviceProfilesTests {
    let store = InMemoryDeviceStore()
    let tenant = TenantID()
    var profiles: DeviceProfiles { DeviceProfiles(devices: store) }

    func message(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as StewardError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func theFirstProfileBecomesTheDefaultAndMakeDefaultMovesIt() async throws {
        let first = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "first"))
        let second = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "second"))
        #expect(first.isDefault && !second.isDefault)
        #expect(first.inactivityTimeout == 600 && first.storageTTL == nil)
        _ = try await profiles.makeDefault(tenant: tenant, id: second.id)
        #expect(try await profiles.defaultProfile(tenant: tenant).id == second.id)
        let third = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "third", makeDefault: true))
        #expect(try await profiles.defaultProfile(tenant: tenant).id == third.id)
        #expect(try await profiles.profile(tenant: tenant, id: second.id).isDefault == false)
    }

    @Test func namesAreCheckedUniqueAndFixed() async throws {
        let made = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "  meters  "))
        #expect(made.name == "meters")
        #expect(await message { _ = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: " ")) }
            == "Device profile name should be specified!")
        #expect(await message { _ = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "meters")) }?
            .contains("already exists") == true)
        #expect(await message { _ = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "gauges")) }?
            .contains("cannot change") == true)
        // Another tenant may use the name; it does not see this profile.
        _ = try await profiles.create(tenant: TenantID(), DeviceProfileDraft(name: "meters"))
        #expect(await message { _ = try await profiles.profile(tenant: TenantID(), id: made.id) }?.contains("is not found") == true)
    }

    @Test func settingsAreCheckedAndKeptWhenLeftOut() async throws {
        let made = try await profiles.create(
            tenant: tenant, DeviceProfileDraft(name: "p", inactivityTimeout: 3_600, storageTTL: .some(86_400)))
        // Left out (nil): kept. `.some(nil)`: the TTL is cleared.
        let kept = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "p", description: "d"))
        #expect(kept.inactivityTimeout == 3_600 && kept.storageTTL == 86_400 && kept.description == "d")
        let cleared = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "p", storageTTL: .some(nil)))
        #expect(cleared.storageTTL == nil && cleared.inactivityTimeout == 3_600)
        #expect(await message { _ = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "p", inactivityTimeout: 0)) }?
            .hasPrefix("The inactivity timeout must be from 1") == true)
        #expect(await message { _ = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "p", storageTTL: .some(0))) }?
            .hasPrefix("A storage TTL must be from 1") == true)
        #expect(try await profiles.profile(tenant: tenant, id: made.id).inactivityTimeout == 3_600)
    }

    @Test func provisioningKeyAndSecretGoTogetherAndTheKeyIsUnique() async throws {
        #expect(await message {
            _ = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "half", provisionKey: "k"))
        }?.contains("go together") == true)
        let made = try await profiles.create(
            tenant: tenant, DeviceProfileDraft(name: "a", provisionKey: "k", provisionSecret: "s", provisionStrategy: .checkPreProvisionedDevices))
        #expect(made.provisionStrategy == .checkPreProvisionedDevices)
        #expect(await message {
            _ = try await profiles.create(tenant: TenantID(), DeviceProfileDraft(name: "b", provisionKey: "k", provisionSecret: "t"))
        }?.contains("already uses this provision key") == true)
        // Saving the profile with its own key is fine; without a key provisioning is off.
        _ = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "a", provisionKey: "k", provisionSecret: "s2"))
        let off = try await profiles.update(tenant: tenant, id: made.id, DeviceProfileDraft(name: "a"))
        #expect(off.provisionKey == nil && off.provisionStrategy == nil)
    }

    @Test func theDefaultAndAProfileInUseAreNotDeleted() async throws {
        let standard = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "default"))
        let used = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "used"))
        let spare = try await profiles.create(tenant: tenant, DeviceProfileDraft(name: "spare"))
        try await store.createDevice(Device(tenantID: tenant, profileID: used.id, name: "d1", accessToken: "t1", createdTime: 1))
        try await store.createDevice(Device(tenantID: tenant, profileID: used.id, name: "d2", accessToken: "t2", createdTime: 1))
        #expect(await message { try await profiles.delete(tenant: tenant, id: standard.id) }?.contains("is the default profile") == true)
        #expect(await message { try await profiles.delete(tenant: tenant, id: used.id) }?.contains("is used by 2 devices") == true)
        try await profiles.delete(tenant: tenant, id: spare.id)
        #expect(await message { _ = try await profiles.profile(tenant: tenant, id: spare.id) }?.contains("is not found") == true)
        #expect(try await profiles.deviceCounts(tenant: tenant) == [used.id: 2])
    }
}
