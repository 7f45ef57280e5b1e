import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

/// Space retention frees on SQLite: a new file hands it back to the filesystem in short writes; re-ingesting reuses
/// what is kept, so the file does not grow without bound.
@Suite struct ReclaimSpaceTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-reclaim-\(UUID().uuidString)").path

    func fileSize(_ store: SQLiteStore) async throws -> Int64 {
        try await store.pool.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/steward.sqlite")
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    // promise: MB-14
    @Test func sweptSpaceIsReturnedAndReusedNotGrown() async throws {
        let store = try SQLiteStore(directory: directory, durability: .normal)
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 2)
        let tenant = Tenant(name: "Space", createdTime: 1)
        try await store.createTenant(tenant)
        let device = Device(tenantID: tenant.id, name: "meter", accessToken: "reclaim-meter", createdTime: 1)
        try await store.createDevice(device)
        func ingest(from start: Int64) async throws {
            for chunk in 0..<20 {
                let entries = (0..<1_000).map {
                    TimedValues(ts: start + Int64(chunk * 1_000 + $0), values: [KeyValue("note", .string(String(repeating: "x", count: 200)))])
                }
                try await store.append([TelemetryBatch(device: device.id, entries: entries)])
            }
        }
        try await ingest(from: 1_000)
        let full = try await fileSize(store)
        let group = TelemetrySeriesGroup(profile: nil, key: "note")
        var step = RetentionStep(affected: 0, more: true, oldest: nil)
        while step.more { step = try await store.expireReadings(group, before: 1_000_000, limit: 2_000, dryRun: false, foldingInto: nil) }
        #expect(try await store.reclaimSpace() > 0)
        let swept = try await fileSize(store)
        #expect(swept < full / 2)
        // Nothing more to hand back: a second call returns nothing.
        #expect(try await store.reclaimSpace() == 0)
        try await ingest(from: 2_000_000)
        #expect(try await fileSize(store) <= full + full / 10)
    }
}
