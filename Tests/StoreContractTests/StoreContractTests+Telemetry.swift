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

    /// A group as large as the writer makes (4,096 batches) goes in as one statement per table: every reading is
    /// stored and the latest values are the newest.
    @Test func aFullGroupIsOneCommit() async throws {
        try await StoreBackend.postgres.run { s in
            let tenant = Tenant(name: "Acme", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let devices = (0..<2).map { Device(tenantID: tenant.id, name: "d\($0)", accessToken: "token-\(UUID().uuidString)", createdTime: 1) }
            for device in devices { try await s.devices.createDevice(device) }
            let batches = (0..<4_096).map { n in
                TelemetryBatch(
                    device: devices[n % 2].id,
                    entries: [TimedValues(ts: Int64(n), values: (0..<4).map { KeyValue("k\($0)", .long(Int64(n * 10 + $0))) })])
            }
            try await s.telemetry.append(batches)
            for (index, device) in devices.enumerated() {
                let count = try await s.telemetry.history(
                    tenant: tenant.id, device: device.id,
                    query: TimeSeriesQuery(keys: ["k0", "k3"], startTs: 0, endTs: 10_000, aggregation: .count))
                #expect(count == ["k0": [TimeSeriesPoint(ts: 5_000, value: .long(2_048))], "k3": [TimeSeriesPoint(ts: 5_000, value: .long(2_048))]])
                let latest = try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["k3"])
                let last = Int64(4_094 + index)
                #expect(latest == ["k3": TimeSeriesPoint(ts: last, value: .long(last * 10 + 3))])
            }
        }
    }
}
