import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL PersonalDataStore is written; every one fails loudly.
extension PostgresStore: PersonalDataStore {
    public func personalRecords( _ kind: PersonalRecordKind, of user: UserID, after cursor: Int64?, limit: Int ) async throws -> (table: PersonalTable, next: Int64?) { throw Unbuilt.error(#function) }
    public func newestPersonalRecords(_ kind: PersonalRecordKind, of user: UserID, limit: Int) async throws -> (table: PersonalTable, total: Int) { throw Unbuilt.error(#function) }
    public func devices(concerning user: UserID) async throws -> [PersonDevice] { throw Unbuilt.error(#function) }
    public func assignDevice(tenant: TenantID, device: DeviceID, to person: UserID?) async throws { throw Unbuilt.error(#function) }
    public func readings(device seq: Int64, after cursor: (keyID: Int64, ts: Int64)?, limit: Int) async throws -> ReadingPage { throw Unbuilt.error(#function) }
    public func readingCount(devices: [Int64]) async throws -> Int { throw Unbuilt.error(#function) }
    public func readingCounts(device seq: Int64) async throws -> [String: Int] { throw Unbuilt.error(#function) }
    public func telemetryKeys(device seq: Int64) async throws -> [String] { throw Unbuilt.error(#function) }
    public func soleTenant(of user: UserID) async throws -> TenantID? { throw Unbuilt.error(#function) }
    public func attributeRows(device seq: Int64) async throws -> [[JSONValue]] { throw Unbuilt.error(#function) }
    public func erase(_ plan: ErasurePlan) async throws -> ErasureCounts { throw Unbuilt.error(#function) }
    public func purgeErasedRemnants() async throws { throw Unbuilt.error(#function) }
    public func receipt(id: String) async throws -> ErasureReceiptRecord? { throw Unbuilt.error(#function) }
}
