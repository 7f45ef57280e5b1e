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

/// The backends the store contract runs against: SQLite always, PostgreSQL when a test cluster is running (always on
/// CI, where a missing cluster fails every PostgreSQL case instead of skipping them).
enum StoreBackends {
    static let all: [StoreBackend] = TestCluster.url != nil || TestCluster.required ? [.sqlite, .postgres] : [.sqlite]
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

    @Test(arguments: StoreBackends.all) func accountsAreFoundByEmailInAnyCaseAndByID(_ backend: StoreBackend) async throws {
        try await StoreContract.accountsAreFoundByEmailInAnyCaseAndByID(backend)
    }

    @Test(arguments: StoreBackends.all) func accountUpdatesThroughApply(_ backend: StoreBackend) async throws {
        try await StoreContract.accountUpdatesThroughApply(backend)
    }

    @Test(arguments: StoreBackends.all) func applyIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await StoreContract.applyIsAllOrNothing(backend)
    }

    @Test(arguments: StoreBackends.all) func oneTimeTokensAreUsedOnce(_ backend: StoreBackend) async throws {
        try await StoreContract.oneTimeTokensAreUsedOnce(backend)
    }

    @Test(arguments: StoreBackends.all) func sessionsCreateFindTouchPromoteRevoke(_ backend: StoreBackend) async throws {
        try await StoreContract.sessionsCreateFindTouchPromoteRevoke(backend)
    }

    @Test(arguments: StoreBackends.all) func refreshTokensRotateOnce(_ backend: StoreBackend) async throws {
        try await StoreContract.refreshTokensRotateOnce(backend)
    }

    @Test(arguments: StoreBackends.all) func apiKeysCreateFindTouchRevoke(_ backend: StoreBackend) async throws {
        try await StoreContract.apiKeysCreateFindTouchRevoke(backend)
    }

    @Test(arguments: StoreBackends.all) func secondFactorStepsAndRecoveryCodesAreUsedOnce(_ backend: StoreBackend) async throws {
        try await StoreContract.secondFactorStepsAndRecoveryCodesAreUsedOnce(backend)
    }

    @Test(arguments: StoreBackends.all) func signInsAreListedAndFailuresCounted(_ backend: StoreBackend) async throws {
        try await StoreContract.signInsAreListedAndFailuresCounted(backend)
    }

    @Test(arguments: StoreBackends.all) func addressLocksEndAtTheirTime(_ backend: StoreBackend) async throws {
        try await StoreContract.addressLocksEndAtTheirTime(backend)
    }

    @Test(arguments: StoreBackends.all) func grantAttemptLimitsEachClientPerKindAndWindow(_ backend: StoreBackend) async throws {
        try await StoreContract.grantAttemptLimitsEachClientPerKindAndWindow(backend)
    }

    @Test(arguments: StoreBackends.all) func mailAllowanceLimitsPerAddressAndClient(_ backend: StoreBackend) async throws {
        try await StoreContract.mailAllowanceLimitsPerAddressAndClient(backend)
    }

    @Test(arguments: StoreBackends.all) func auditEntriesAreChainedAndFiltered(_ backend: StoreBackend) async throws {
        try await StoreContract.auditEntriesAreChainedAndFiltered(backend)
    }

    @Test(arguments: StoreBackends.all) func consentsAgreementsPolicyVersionsAndAnnouncements(_ backend: StoreBackend) async throws {
        try await StoreContract.consentsAgreementsPolicyVersionsAndAnnouncements(backend)
    }

    @Test(arguments: StoreBackends.all) func activeAccountsAndAccountHolders(_ backend: StoreBackend) async throws {
        try await StoreContract.activeAccountsAndAccountHolders(backend)
    }

    @Test(arguments: StoreBackends.all) func deleteUnopenedAccountsKeepsOpenOnesAndSharedTenants(_ backend: StoreBackend) async throws {
        try await StoreContract.deleteUnopenedAccountsKeepsOpenOnesAndSharedTenants(backend)
    }

    @Test(arguments: StoreBackends.all) func requestsAreFoundVerifiedExtendedAndClosedOnce(_ backend: StoreBackend) async throws {
        try await StoreContract.requestsAreFoundVerifiedExtendedAndClosedOnce(backend)
    }

    @Test(arguments: StoreBackends.all) func complaintsAndDisclosuresAreListed(_ backend: StoreBackend) async throws {
        try await StoreContract.complaintsAndDisclosuresAreListed(backend)
    }

    @Test(arguments: StoreBackends.all) func pseudonymizingRequestsLeavesNoAddress(_ backend: StoreBackend) async throws {
        try await StoreContract.pseudonymizingRequestsLeavesNoAddress(backend)
    }

    @Test(arguments: StoreBackends.all) func personalRecordsPageOldestFirst(_ backend: StoreBackend) async throws {
        try await StoreContract.personalRecordsPageOldestFirst(backend)
    }

    @Test(arguments: StoreBackends.all) func readingsPageByKeyAndTimeAndAreCounted(_ backend: StoreBackend) async throws {
        try await StoreContract.readingsPageByKeyAndTimeAndAreCounted(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func expiredRecordsGoInBatchesOldestFirst(_ backend: StoreBackend) async throws {
        try await StoreContract.expiredRecordsGoInBatchesOldestFirst(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func recordsExpireByTheirOwnTime(_ backend: StoreBackend) async throws {
        try await StoreContract.recordsExpireByTheirOwnTime(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func requestsComplaintsAndDisclosuresExpireByTheirOwnTime(_ backend: StoreBackend) async throws {
        try await StoreContract.requestsComplaintsAndDisclosuresExpireByTheirOwnTime(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func readingsExpirePerProfileAndKey(_ backend: StoreBackend) async throws {
        try await StoreContract.readingsExpirePerProfileAndKey(backend)
    }

    // promise: MB-14
    @Test(arguments: StoreBackends.all) func columnsPastTheirPeriodAreReplacedInPlace(_ backend: StoreBackend) async throws {
        try await StoreContract.columnsPastTheirPeriodAreReplacedInPlace(backend)
    }
}
