import StewardTesting
import Testing

/// The personal-data contract functions added with the PostgreSQL backend, on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func erasureFoldsSensitiveReadingsAndLeavesAReceipt(_ backend: StoreBackend) async throws {
        try await StoreContract.erasureFoldsSensitiveReadingsAndLeavesAReceipt(backend)
    }

    @Test(arguments: StoreBackends.all) func personalRecordsReadColumnByColumn(_ backend: StoreBackend) async throws {
        try await StoreContract.personalRecordsReadColumnByColumn(backend)
    }

    @Test(arguments: StoreBackends.all) func erasureRemovesMailAboutThePersonAndTheirNameFromAWorkspace(_ backend: StoreBackend) async throws {
        try await StoreContract.erasureRemovesMailAboutThePersonAndTheirNameFromAWorkspace(backend)
    }

    @Test(arguments: StoreBackends.all) func erasureIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await StoreContract.erasureIsAllOrNothing(backend)
    }
}
