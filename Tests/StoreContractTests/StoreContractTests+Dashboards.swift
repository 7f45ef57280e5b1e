import StewardTesting
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func dashboardsRoundTripShareAndDelete(_ backend: StoreBackend) async throws {
        try await StoreContract.dashboardsRoundTripShareAndDelete(backend)
    }
}
