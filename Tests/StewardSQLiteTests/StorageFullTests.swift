import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Synchronization
import Testing

/// A full disk, simulated by the database quota (`maximumSize` → `max_page_count`, the same SQLITE_FULL a full
/// disk gives): writes say "storage full", the status records it, reads keep working, and freeing space clears it.
@Suite struct StorageFullTests {
    static func withQuotaStore<T>(
        bytes: Int64, storage: StorageStatus = StorageStatus(), _ body: (SQLiteStore) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("steward-sqlite-full-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory, durability: .normal, maximumSize: bytes, storage: storage)
        return try await body(store)
    }

    @Test func theWriterTurnsAFullDatabaseIntoStorageFullAndRecovers() async throws {
        let reports = Locked<[String]>([])
        let status = StorageStatus { line in reports.withLock { $0.append(line) } }
        try await Self.withQuotaStore(bytes: 2 << 20, storage: status) { store in
            let f = try await Fixture.make(store)
            let writer = TelemetryWriter(store: store, storage: status)
            defer { writer.shutdown() }
            let text = String(repeating: "x", count: 30_000)
            var refusal: (any Error)?
            for n in 0..<200 {
                do {
                    try await writer.write(
                        TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: Int64(n), values: [KeyValue("blob", .string(text + "\(n)"))])]))
                } catch {
                    refusal = error
                    break
                }
            }
            let error = try #require(refusal as? StewardError, "the quota never filled, or failed with \(String(describing: refusal))")
            #expect(error.kind == .storageFull)
            #expect(error.message.hasPrefix("Storage full"))
            #expect(status.fullMessage != nil)
            #expect(reports.value.count == 1)  // logged once, not once per refused write

            // A second refusal within the report interval is counted, not logged again.
            await #expect(throws: StewardError.self) {
                try await writer.write(TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 9_999, values: [KeyValue("blob", .string(text))])]))
            }
            #expect(reports.value.count == 1)

            // Reads still work.
            let stored = try await f.history(["blob"], 0, 10_000, limit: 5)
            #expect(stored["blob"]?.isEmpty == false)

            // Space freed: the next commit succeeds and clears the status.
            _ = try await store.deleteDevice(tenant: f.tenant.id, id: f.device.id)
            let other = Device(tenantID: f.tenant.id, name: "after", accessToken: "after-\(UUID().uuidString)", createdTime: 20)
            try await store.createDevice(other)
            try await writer.write(TelemetryBatch(device: other.id, entries: [TimedValues(ts: 1, values: [KeyValue("t", .long(1))])]))
            #expect(status.fullMessage == nil)
        }
    }

    /// Attributes, claim offers and new devices (the MQTT attribute publish, claiming and provisioning paths) write
    /// through the store directly, not the telemetry writer: they say "storage full" too, and record it.
    @Test func everyStoreWriteSaysStorageFullAndOnlyACommitClearsIt() async throws {
        let reports = Locked<[String]>([])
        let status = StorageStatus { line in reports.withLock { $0.append(line) } }
        try await Self.withQuotaStore(bytes: 2 << 20, storage: status) { store in
            let f = try await Fixture.make(store)
            let text = String(repeating: "y", count: 30_000)
            var refusal: (any Error)?
            for n in 0..<200 {
                do {
                    try await store.saveAttributes(
                        tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("blob\(n)", .string(text))], ts: Int64(n))
                } catch {
                    refusal = error
                    break
                }
            }
            let error = try #require(refusal as? StewardError, "the quota never filled, or failed with \(String(describing: refusal))")
            #expect(error.kind == .storageFull)
            #expect(error.message.hasPrefix("Storage full"))
            #expect(status.fullMessage == error.message)
            #expect(reports.value.count == 1)

            // The other direct write paths are refused the same way (each big enough to need a new page).
            await #expect(throws: StewardError.storageFull(error.message)) {
                try await store.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: text, expiresAt: 1))
            }
            let provisioned = Device(tenantID: f.tenant.id, name: text, accessToken: "new-\(UUID().uuidString)", createdTime: 40)
            await #expect(throws: StewardError.storageFull(error.message)) { try await store.createDevice(provisioned) }

            // Neither a read nor a failed write of another kind clears the status: only a commit does.
            _ = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
            await #expect(throws: StewardError.self) { try await store.createDevice(Device(
                tenantID: f.tenant.id, name: "dup", accessToken: f.device.accessToken, createdTime: 41)) }
            #expect(status.fullMessage != nil, "a read or a refused write cleared 'storage full'")

            _ = try await store.deleteDevice(tenant: f.tenant.id, id: f.device.id)
            #expect(status.fullMessage == nil, "a committed write did not clear 'storage full'")
        }
    }

    @Test func aTokenTakenByAnyDeviceIsOneBadRequest() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let elsewhere = Tenant(name: "Other", createdTime: 2)
            try await store.createTenant(elsewhere)
            let copy = Device(tenantID: elsewhere.id, name: "copy", accessToken: f.device.accessToken, createdTime: 30)
            await #expect(throws: StewardError.accessTokenUnavailable) { try await store.createDevice(copy) }
            var mine = Device(tenantID: elsewhere.id, name: "mine", accessToken: "mine-\(UUID().uuidString)", createdTime: 31)
            try await store.createDevice(mine)
            mine.accessToken = f.device.accessToken
            await #expect(throws: StewardError.accessTokenUnavailable) { try await store.updateDevice(mine) }
        }
    }

    @Test func posixOutOfSpaceIsStorageFullAndOtherErrorsAreNot() {
        #expect(StorageStatus.storageFull(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)))?.kind == .storageFull)
        #expect(StorageStatus.storageFull(NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))) == nil)
        #expect(StorageStatus.storageFull(StewardError.badRequest("no")) == nil)
    }
}
