import StewardTesting
import Testing

/// ThingsBoard's data-lifetime API and the folds of `aggregate` rules, on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func readingsAreDeletedByRange(_ backend: StoreBackend) async throws {
        try await StoreContract.readingsAreDeletedByRange(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func readingsWithATimeToLiveExpire(_ backend: StoreBackend) async throws {
        try await StoreContract.readingsWithATimeToLiveExpire(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func aggregatedReadingsAreFoldedBeforeTheyGo(_ backend: StoreBackend) async throws {
        try await StoreContract.aggregatedReadingsAreFoldedBeforeTheyGo(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func storageTTLsCoverTheirDevices(_ backend: StoreBackend) async throws {
        try await StoreContract.storageTTLsCoverTheirDevices(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func auditTrailIsPrunedAndAnonymizedAndStillVerifies(_ backend: StoreBackend) async throws {
        try await StoreContract.auditTrailIsPrunedAndAnonymizedAndStillVerifies(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func reportedAttributesExpireWithTheirKey(_ backend: StoreBackend) async throws {
        try await StoreContract.reportedAttributesExpireWithTheirKey(backend)
    }
}
