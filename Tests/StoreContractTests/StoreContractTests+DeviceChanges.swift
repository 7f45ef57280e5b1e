import StewardStore
import StewardTesting
import Testing

/// The device-change log and sealed attributes, added to the contract with the PostgreSQL backend, on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func deviceChangesAreRecordedAnnouncedAndPruned(_ backend: StoreBackend) async throws {
        try await StoreContract.deviceChangesAreRecordedAnnouncedAndPruned(backend)
    }

    @Test(arguments: StoreBackends.all) func concurrentDeviceChangesReachAPollingReader(_ backend: StoreBackend) async throws {
        try await StoreContract.concurrentDeviceChangesReachAPollingReader(backend)
    }

    @Test(arguments: SealingStoreBackend.all) func sealedAttributesOpenOnlyWithTheKey(_ backend: SealingStoreBackend) async throws {
        try await StoreContract.sealedAttributesOpenOnlyWithTheKey(backend)
    }
}
