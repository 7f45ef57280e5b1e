import StewardTesting
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func profileFieldsRoundTripAndUpdate(_ backend: StoreBackend) async throws {
        try await StoreContract.profileFieldsRoundTripAndUpdate(backend)
    }

    @Test(arguments: StoreBackends.all) func profileTTLIsTheStorageTTL(_ backend: StoreBackend) async throws {
        try await StoreContract.profileTTLIsTheStorageTTL(backend)
    }

    @Test(arguments: StoreBackends.all) func profileDefaultIsOnePerTenant(_ backend: StoreBackend) async throws {
        try await StoreContract.profileDefaultIsOnePerTenant(backend)
    }

    @Test(arguments: StoreBackends.all) func profilePagesSearchAndSort(_ backend: StoreBackend) async throws {
        try await StoreContract.profilePagesSearchAndSort(backend)
    }

    @Test(arguments: StoreBackends.all) func profileDeletionAndDeviceCounts(_ backend: StoreBackend) async throws {
        try await StoreContract.profileDeletionAndDeviceCounts(backend)
    }
}
