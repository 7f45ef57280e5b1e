import Foundation
import StewardSQLite
import StewardStore
import StewardTesting
import Testing

extension StoreBackend {
    /// A fresh `SQLiteStore` in its own temporary directory, removed by the cleanup.
    static let sqlite = StoreBackend(name: "SQLite") {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steward-store-contract-\(UUID().uuidString)").path
        let store = try SQLiteStore(directory: directory, durability: .normal)
        return (StoresUnderTest(store), { try? FileManager.default.removeItem(atPath: directory) })
    }
}

/// The backends the store contract runs against; PostgreSQL joins here.
enum StoreBackends {
    static let all: [StoreBackend] = [.sqlite]
}

/// Runs every function of `StoreContract` against every backend.
@Suite struct StoreContractTests {
    @Test(arguments: StoreBackends.all) func tenantsCreateReadListDelete(_ backend: StoreBackend) async throws {
        try await StoreContract.tenantsCreateReadListDelete(backend)
    }

    @Test(arguments: StoreBackends.all) func tenantNamesAreUnique(_ backend: StoreBackend) async throws {
        try await StoreContract.tenantNamesAreUnique(backend)
    }

    @Test(arguments: StoreBackends.all) func customersAreScopedToTheirTenant(_ backend: StoreBackend) async throws {
        try await StoreContract.customersAreScopedToTheirTenant(backend)
    }

    @Test(arguments: StoreBackends.all) func usersRoundTripAndAreScoped(_ backend: StoreBackend) async throws {
        try await StoreContract.usersRoundTripAndAreScoped(backend)
    }

    @Test(arguments: StoreBackends.all) func emailsAreUniqueIgnoringCase(_ backend: StoreBackend) async throws {
        try await StoreContract.emailsAreUniqueIgnoringCase(backend)
    }

    @Test(arguments: StoreBackends.all) func deletingATenantRemovesEverythingItOwns(_ backend: StoreBackend) async throws {
        try await StoreContract.deletingATenantRemovesEverythingItOwns(backend)
    }

    @Test(arguments: StoreBackends.all) func deviceRoundTripsEveryField(_ backend: StoreBackend) async throws {
        try await StoreContract.deviceRoundTripsEveryField(backend)
    }

    @Test(arguments: StoreBackends.all) func devicesAreInvisibleToOtherTenants(_ backend: StoreBackend) async throws {
        try await StoreContract.devicesAreInvisibleToOtherTenants(backend)
    }

    @Test(arguments: StoreBackends.all) func tokensAreGloballyUniqueAndNamesUniquePerTenant(_ backend: StoreBackend) async throws {
        try await StoreContract.tokensAreGloballyUniqueAndNamesUniquePerTenant(backend)
    }

    @Test(arguments: StoreBackends.all) func listingPagesNewestFirstAndCounts(_ backend: StoreBackend) async throws {
        try await StoreContract.listingPagesNewestFirstAndCounts(backend)
    }

    @Test(arguments: StoreBackends.all) func textSearchMatchesSubstringsAndEscapesWildcards(_ backend: StoreBackend) async throws {
        try await StoreContract.textSearchMatchesSubstringsAndEscapesWildcards(backend)
    }

    @Test(arguments: StoreBackends.all) func customerFilter(_ backend: StoreBackend) async throws {
        try await StoreContract.customerFilter(backend)
    }

    @Test(arguments: StoreBackends.all) func updateChangesTheDevice(_ backend: StoreBackend) async throws {
        try await StoreContract.updateChangesTheDevice(backend)
    }

    @Test(arguments: StoreBackends.all) func deleteRemovesTheDeviceAndItsData(_ backend: StoreBackend) async throws {
        try await StoreContract.deleteRemovesTheDeviceAndItsData(backend)
    }

    @Test(arguments: StoreBackends.all) func profilesCreateListAndLookUpByProvisionKey(_ backend: StoreBackend) async throws {
        try await StoreContract.profilesCreateListAndLookUpByProvisionKey(backend)
    }

    @Test(arguments: StoreBackends.all) func claimOffersSaveReplaceDelete(_ backend: StoreBackend) async throws {
        try await StoreContract.claimOffersSaveReplaceDelete(backend)
    }

    @Test(arguments: StoreBackends.all) func latestIsTheNewestReading(_ backend: StoreBackend) async throws {
        try await StoreContract.latestIsTheNewestReading(backend)
    }

    @Test(arguments: StoreBackends.all) func latestFiltersKeysAndListsTimeSeriesKeys(_ backend: StoreBackend) async throws {
        try await StoreContract.latestFiltersKeysAndListsTimeSeriesKeys(backend)
    }

    @Test(arguments: StoreBackends.all) func devicesDoNotSeeEachOthersReadings(_ backend: StoreBackend) async throws {
        try await StoreContract.devicesDoNotSeeEachOthersReadings(backend)
    }

    @Test(arguments: StoreBackends.all) func appendIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await StoreContract.appendIsAllOrNothing(backend)
    }

    @Test(arguments: StoreBackends.all) func valuesRoundTripExactly(_ backend: StoreBackend) async throws {
        try await StoreContract.valuesRoundTripExactly(backend)
    }

    @Test(arguments: StoreBackends.all) func rawHistoryRangesOrderAndLimits(_ backend: StoreBackend) async throws {
        try await StoreContract.rawHistoryRangesOrderAndLimits(backend)
    }

    @Test(arguments: StoreBackends.all) func historyRefusesAnInvalidQuery(_ backend: StoreBackend) async throws {
        try await StoreContract.historyRefusesAnInvalidQuery(backend)
    }

    @Test(arguments: StoreBackends.all) func aggregationBuckets(_ backend: StoreBackend) async throws {
        try await StoreContract.aggregationBuckets(backend)
    }

    @Test(arguments: StoreBackends.all) func attributesSaveReadFilterOverwriteAndDelete(_ backend: StoreBackend) async throws {
        try await StoreContract.attributesSaveReadFilterOverwriteAndDelete(backend)
    }

    @Test(arguments: StoreBackends.all) func devicesConcerningAPersonFollowAssignment(_ backend: StoreBackend) async throws {
        try await StoreContract.devicesConcerningAPersonFollowAssignment(backend)
    }

    // promise: TB-5
    @Test(arguments: StoreBackends.all) func erasureResolvesDevicesInsideItsTransaction(_ backend: StoreBackend) async throws {
        try await StoreContract.erasureResolvesDevicesInsideItsTransaction(backend)
    }
}
