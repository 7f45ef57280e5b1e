import Foundation
import StewardCore
@testable import StewardPostgres
import StewardStore
import StewardTesting
import Testing

/// The monthly telemetry partitions on PostgreSQL and the hourly job that makes them.
@Suite(.enabled(if: TestCluster.url != nil || TestCluster.required)) struct PostgresPartitionTests {
    /// The server runs only the maintenance of a store that casts to `StorageMaintenance`; a run for a later month
    /// creates that month's partition and the next three, and moves the readings that waited for it in the default
    /// partition into it.
    @Test func theHourlyMaintenanceCreatesTheComingMonths() async throws {
        let (store, cleanup) = try await TestCluster.freshStore(maximumConnections: 2)
        do {
            let stores: any BackendStores = store
            let maintenance = try #require(stores as? any StorageMaintenance, "the server would never run maintenance")
            let tenant = Tenant(name: "Acme", createdTime: 1)
            try await store.createTenant(tenant)
            let device = Device(tenantID: tenant.id, name: "meter", accessToken: "token-\(UUID().uuidString)", createdTime: 1)
            try await store.createDevice(device)

            let later = TelemetryPartitions.monthBounds(containing: WallClock.nowMillis(), offset: 13)
            let reading = TelemetryBatch(
                device: device.id, entries: [TimedValues(ts: later.start + 1_000, values: [KeyValue("kwh", .double(1.5))])])
            try await store.append([reading])
            #expect(try await rows(store, in: "ts_kv_default") == 1)
            #expect(try await partitions(store).contains(later.name) == false)

            try await maintenance.maintain(now: later.start + 5)
            let made = try await partitions(store)
            for offset in 0...TelemetryPartitions.monthsAhead {
                let month = TelemetryPartitions.monthBounds(containing: later.start, offset: offset)
                #expect(made.contains(month.name), "\(month.name) missing from \(made)")
            }
            #expect(try await rows(store, in: "ts_kv_default") == 0)
            #expect(try await rows(store, in: later.name) == 1)
            let history = try await store.history(
                tenant: tenant.id, device: device.id,
                query: TimeSeriesQuery(keys: ["kwh"], startTs: later.start, endTs: later.end))
            #expect(history["kwh"]?.map(\.value) == [.double(1.5)])
            // A second run finds everything in place.
            try await maintenance.maintain(now: later.start + 5)
            #expect(try await partitions(store) == made)
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    func partitions(_ store: PostgresStore) async throws -> Set<String> {
        try await store.database.read { db in
            Set(
                try await db.fetchValues(
                    String.self,
                    sql: """
                        SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ts_kv'
                        """))
        }
    }

    func rows(_ store: PostgresStore, in table: String) async throws -> Int64 {
        try await store.database.read { db in
            try await db.fetchValue(Int64.self, sql: "SELECT count(*) FROM \(table)") ?? -1
        }
    }
}
