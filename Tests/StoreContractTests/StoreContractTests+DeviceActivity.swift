import StewardTesting
import Testing

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func newestReadingTimesAnswerAPageAtOnce(_ backend: StoreBackend) async throws {
        try await StoreContract.newestReadingTimesAnswerAPageAtOnce(backend)
    }
}

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func personConcerningADevice(_ backend: StoreBackend) async throws {
        try await StoreContract.personConcerningADevice(backend)
    }
}

extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func deviceDataCountsForDeletion(_ backend: StoreBackend) async throws {
        try await StoreContract.deviceDataCountsForDeletion(backend)
    }
}
