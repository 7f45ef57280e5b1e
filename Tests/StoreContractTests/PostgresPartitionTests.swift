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
        try await withFreshStore(maximumConnections: 2) { store in
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
        }
    }

    /// Retention drops a month whole when every group in it is past a delete rule's cutoff, keeps a month that holds
    /// a group without one, and a late reading for a dropped month still lands (in the default partition).
    // promise: MB-14
    @Test func monthsPastEveryGroupsCutoffAreDroppedWhole() async throws {
        try await withFreshStore(maximumConnections: 2) { store in
            let tenant = Tenant(name: "Acme", createdTime: 1)
            try await store.createTenant(tenant)
            let device = Device(tenantID: tenant.id, name: "tracker", accessToken: "token-\(UUID().uuidString)", createdTime: 1)
            try await store.createDevice(device)
            let now = WallClock.nowMillis()
            let (current, next, after) = (
                TelemetryPartitions.monthBounds(containing: now, offset: 0), TelemetryPartitions.monthBounds(containing: now, offset: 1),
                TelemetryPartitions.monthBounds(containing: now, offset: 2)
            )
            try await store.append([
                TelemetryBatch(
                    device: device.id, entries: (1...3).map { TimedValues(ts: next.start + Int64($0), values: [KeyValue("lat", .double(48.2))]) },
                    ttlMillis: 86_400_000),
                TelemetryBatch(device: device.id, entries: [TimedValues(ts: after.start + 1, values: [KeyValue("temp", .long(21))])]),
                TelemetryBatch(device: device.id, entries: [TimedValues(ts: after.start + 2, values: [KeyValue("lat", .double(48.3))])]),
            ])
            let lat = TelemetrySeriesGroup(profile: nil, key: "lat")

            #expect(try await store.dropExpiredMonths(cutoffs: [lat: next.end], dryRun: true).map(\.readings) == [0, 3])
            #expect(try await rows(store, in: next.name) == 3)
            let dropped = try await store.dropExpiredMonths(cutoffs: [lat: next.end], dryRun: false)
            #expect(dropped.map(\.name) == [current.name, next.name])
            #expect(dropped.map(\.readings) == [0, 3])
            #expect(try await partitions(store).contains(next.name) == false)
            let expiries = try await store.database.read { db in
                try await db.fetchValue(Int64.self, sql: "SELECT count(*) FROM ts_kv_expiry WHERE ts >= ? AND ts < ?", arguments: [next.start, next.end])
            }
            #expect(expiries == 0)
            // The month after holds `temp`, which no delete rule covers: it stays whole.
            #expect(try await store.dropExpiredMonths(cutoffs: [lat: after.end], dryRun: false).isEmpty)
            #expect(try await rows(store, in: after.name) == 2)

            // A late reading for the dropped month is still stored and read back.
            try await store.append([TelemetryBatch(device: device.id, entries: [TimedValues(ts: next.start + 9, values: [KeyValue("lat", .double(1))])])])
            #expect(try await rows(store, in: "ts_kv_default") == 1)
            let history = try await store.history(
                tenant: tenant.id, device: device.id, query: TimeSeriesQuery(keys: ["lat"], startTs: next.start, endTs: after.end, limit: 10, ascending: true))
            #expect(history["lat"]?.map(\.ts) == [next.start + 9, after.start + 2])
        }
    }

    /// While another transaction holds ts_kv (as ingest does), the drop gives up after its lock timeout, so ingest
    /// never queues long behind it, and the month goes at the next run.
    @Test func aMonthLockedByIngestWaitsForTheNextRun() async throws {
        try await withFreshStore(maximumConnections: 3) { store in
            let next = TelemetryPartitions.monthBounds(containing: WallClock.nowMillis(), offset: 1)
            let lat = TelemetrySeriesGroup(profile: nil, key: "lat")
            let skipped = try await store.database.write { db in
                try await db.execute(sql: "LOCK TABLE ts_kv IN ROW EXCLUSIVE MODE")
                return try await store.dropExpiredMonths(cutoffs: [lat: next.end], dryRun: false)
            }
            #expect(skipped.isEmpty)
            #expect(try await store.dropExpiredMonths(cutoffs: [lat: next.end], dryRun: false).map(\.name).contains(next.name))
        }
    }

    /// A store on a fresh database for `body`, dropped afterwards whatever happens.
    func withFreshStore(maximumConnections: Int, _ body: (PostgresStore) async throws -> Void) async throws {
        let (store, cleanup) = try await TestCluster.freshStore(maximumConnections: maximumConnections)
        do {
            try await body(store)
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
