import StewardTesting
import Testing

/// The diagnostics contract (promises MS-4, MS-5), on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func diagnosticsRecordWithoutIdentifiers(_ backend: StoreBackend) async throws {
        try await StoreContract.diagnosticsRecordWithoutIdentifiers(backend)
    }

    @Test(arguments: StoreBackends.all) func diagnosticsFoldIntoDaysKeepingTotals(_ backend: StoreBackend) async throws {
        try await StoreContract.diagnosticsFoldIntoDaysKeepingTotals(backend)
    }

    @Test(arguments: StoreBackends.all) func diagnosticDaysExpire(_ backend: StoreBackend) async throws {
        try await StoreContract.diagnosticDaysExpire(backend)
    }

    @Test(arguments: StoreBackends.all) func linkedDiagnosticsArePersonalDataAndGoWithErasure(_ backend: StoreBackend) async throws {
        try await StoreContract.linkedDiagnosticsArePersonalDataAndGoWithErasure(backend)
    }
}
