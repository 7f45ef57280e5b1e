import StewardTesting
import Testing

/// The identity contract functions added with the PostgreSQL backend, on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func concurrentAuditAppendsFormOneChain(_ backend: StoreBackend) async throws {
        try await StoreContract.concurrentAuditAppendsFormOneChain(backend)
    }
}
