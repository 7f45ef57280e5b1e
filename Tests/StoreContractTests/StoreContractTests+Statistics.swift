import StewardTesting
import Testing

/// The public statistics' store contract (promise HA-7), on every backend.
extension StoreContractTests {
    // promise: HA-7
    @Test(arguments: StoreBackends.all) func dailyGroupsCountDistinctDevicesPerProfileAcrossTenants(_ backend: StoreBackend) async throws {
        try await StoreContract.dailyGroupsCountDistinctDevicesPerProfileAcrossTenants(backend)
    }

    // promise: HA-7
    @Test(arguments: StoreBackends.all) func releasedDaysAreFrozen(_ backend: StoreBackend) async throws {
        try await StoreContract.releasedDaysAreFrozen(backend)
    }

    // promise: HA-7
    @Test(arguments: SealingStoreBackend.all) func sealedReadingsNeverReachTheStatistics(_ backend: SealingStoreBackend) async throws {
        try await StoreContract.sealedReadingsNeverReachTheStatistics(backend)
    }
}
