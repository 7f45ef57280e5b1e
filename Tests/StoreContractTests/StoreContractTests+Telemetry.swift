import Crypto
import Foundation
import StewardCore
import StewardPostgres
import StewardSQLite
import StewardStore
import StewardTesting
import Testing

extension SealingStoreBackend {
    /// A `SQLiteStore` with a master key, so it seals (its key store is `keys.sqlite` beside the database).
    static let sqlite = SealingStoreBackend(name: "SQLite") {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steward-store-contract-\(UUID().uuidString)").path
        let masterKey = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: masterKey)
        guard let keys = store.keys else { throw StewardError(.internal, "a SQLite store opened with a master key has no key store") }
        return (StoresUnderTest(store), keys, { try? FileManager.default.removeItem(atPath: directory) })
    }

    /// A `PostgresStore` in a database of its own, sealing with in-memory keys the test can destroy.
    static let postgres = SealingStoreBackend(name: "PostgreSQL") {
        let (location, drop) = try await TestCluster.freshDatabase()
        let database = try PostgresDatabase(location: location, maximumConnections: 4, callTimeout: .seconds(30))
        database.start()
        let keys = InMemoryPersonKeys()
        let store: PostgresStore
        do {
            store = try await PostgresStore.open(database: database, keys: keys)
        } catch {
            await database.shutdown()
            try? await drop()
            throw error
        }
        return (
            StoresUnderTest(store), keys,
            {
                await store.close()
                try await drop()
            }
        )
    }

    static let all: [SealingStoreBackend] = TestCluster.url != nil || TestCluster.required ? [.sqlite, .postgres] : [.sqlite]
}

/// The telemetry contract functions added with the PostgreSQL backend, on every backend.
extension StoreContractTests {
    @Test(arguments: StoreBackends.all) func duplicateReadingsInOneGroupLastWins(_ backend: StoreBackend) async throws {
        try await StoreContract.duplicateReadingsInOneGroupLastWins(backend)
    }

    @Test(arguments: StoreBackends.all) func timestampsFarInThePastAndFutureAreStored(_ backend: StoreBackend) async throws {
        try await StoreContract.timestampsFarInThePastAndFutureAreStored(backend)
    }

    @Test(arguments: StoreBackends.all) func nulCharactersNeverFailOtherReadings(_ backend: StoreBackend) async throws {
        try await StoreContract.nulCharactersNeverFailOtherReadings(backend)
    }

    @Test(arguments: SealingStoreBackend.all) func sealedReadingsOpenOnlyWithTheKey(_ backend: SealingStoreBackend) async throws {
        try await StoreContract.sealedReadingsOpenOnlyWithTheKey(backend)
    }
}

/// PostgreSQL's own side of U+0000: its `text` cannot hold it, so the store refuses such a group before BEGIN.
@Suite(.enabled(if: TestCluster.url != nil || TestCluster.required)) struct PostgresTelemetryTests {
    /// A group holding a U+0000 anywhere is refused whole as a bad request naming the key, and nothing of it is
    /// stored; the writer then retries each batch alone, so only that batch's submitter fails.
    @Test func aGroupWithU0000IsRefusedBeforeItsTransaction() async throws {
        try await StoreBackend.postgres.run { s in
            let tenant = Tenant(name: "Acme", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let device = Device(tenantID: tenant.id, name: "sensor", accessToken: "token-\(UUID().uuidString)", createdTime: 1)
            try await s.devices.createDevice(device)
            let good = TelemetryBatch(device: device.id, entries: [TimedValues(ts: 1, values: [KeyValue("fine", .long(1))])])
            for kv in [KeyValue("note", .string("a\u{0}b")), KeyValue("doc", .json("\"\u{0}\"")), KeyValue("k\u{0}ey", .long(1))] {
                let bad = TelemetryBatch(device: device.id, entries: [TimedValues(ts: 2, values: [KeyValue("other", .long(2)), kv])])
                do {
                    try await s.telemetry.append([good, bad])
                    Issue.record("a reading with U+0000 in \(kv) was accepted")
                } catch let error as StewardError {
                    #expect(error.kind == .badRequest)
                    #expect(error.message.contains("[\(kv.key.replacingOccurrences(of: "\u{0}", with: "\\u0000"))]"), "\(error.message)")
                }
                #expect(try await s.telemetry.timeSeriesKeys(tenant: tenant.id, device: device.id) == [])
            }
            try await s.telemetry.append([good])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: tenant.id, device: device.id) == ["fine"])
        }
    }
}
