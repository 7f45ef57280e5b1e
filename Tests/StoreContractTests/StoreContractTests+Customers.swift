import StewardTesting
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func customersRenameAndDelete(_ backend: StoreBackend) async throws {
        try await StoreContract.customersRenameAndDelete(backend)
    }
}
