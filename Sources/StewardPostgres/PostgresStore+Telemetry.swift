import Crypto
import Foundation
import StewardCore
import StewardStore
import StewardVault
import Synchronization

extension PostgresStore: TelemetryStore {
    /// The group commit: every batch in one transaction, which returns only after `COMMIT` (with
    /// `synchronous_commit` on, after the WAL flush). A batch for a device that no longer exists refuses the whole
    /// group, as on SQLite; `TelemetryWriter` then retries each batch alone, so only that submitter fails.
    public func append(_ batches: [TelemetryBatch]) async throws {
        // Before BEGIN: a string PostgreSQL cannot hold must fail this call, never the statement inside the group.
        try Self.refuseUnstorableText(batches)
        let createdKeys = try await database.write { db in try await self.insert(batches, db) }
        rememberTelemetryKeys(createdKeys)
    }

    /// PostgreSQL `text` cannot hold U+0000 (SQLite can): such a key or string value is refused as a bad request
    /// naming the key, before anything is written.
    static func refuseUnstorableText(_ batches: [TelemetryBatch]) throws {
        for batch in batches {
            for entry in batch.entries {
                for kv in entry.values {
                    var unstorable = kv.key.utf8.contains(0)
                    switch kv.value {
                    case .string(let s), .json(let s): unstorable = unstorable || s.utf8.contains(0)
                    default: break
                    }
                    if unstorable {
                        let shown = kv.key.replacingOccurrences(of: "\u{0}", with: "\\u0000")
                        throw StewardError.badRequest("The reading of key [\(shown)] contains U+0000, which cannot be stored")
                    }
                }
            }
        }
    }

    /// The keys a reading can have been stored under: PostgreSQL refuses a statement naming a key with U+0000, and
    /// no such key exists, so a read asking for one finds nothing, as on SQLite.
    static func storableKeys(_ keys: [String]) -> [String] {
        keys.filter { !$0.utf8.contains(0) }
    }

    /// Telemetry key ids made by a committed transaction join the shared cache only now, so a rolled-back insert
    /// never leaves a stale id behind.
    func rememberTelemetryKeys(_ created: [String: Int64]) {
        if !created.isEmpty {
            telemetryKeys.withLock { $0.merge(created) { current, _ in current } }
        }
    }

    /// Inserts every batch inside the caller's transaction; returns the telemetry key ids it looked up or created.
    /// Round trips: the device keys of all batches, the new telemetry keys (if any), the people sealed readings
    /// concern (cached), then one upsert per table.
    func insert(_ batches: [TelemetryBatch], _ db: SQLConnection) async throws -> [String: Int64] {
        let seqs = try await deviceKeys(db, batches.map(\.device))
        var keyNames = Set<String>()
        for batch in batches {
            // Never acknowledge readings that were not stored: the device was deleted meanwhile.
            guard seqs[batch.device.description] != nil else {
                throw StewardError.notFound("Device with id [\(batch.device)] is not found; it may have been deleted")
            }
            for entry in batch.entries {
                for kv in entry.values { keyNames.insert(kv.key) }
            }
        }
        let (keyIDs, createdKeys) = try await telemetryKeyIDs(db, keyNames)
        var rows = PostgresTelemetryRows()
        var targets: [Int64: IngestTarget] = [:]
        var sealingKeys: [Int64: SymmetricKey] = [:]
        for batch in batches {
            let deviceSeq = seqs[batch.device.description]!
            let sealing = !batch.sensitiveKeys.isEmpty
            var target = IngestTarget(seq: deviceSeq)
            if sealing {
                if let known = targets[deviceSeq] {
                    target = known
                } else {
                    target = try await ingestTarget(db, seq: deviceSeq, sealing: true)
                    targets[deviceSeq] = target
                }
            }
            for entry in batch.entries {
                for kv in entry.values {
                    var stored = StoredValue(kv.value)
                    // Sealed when the device service said the key is sensitive and the device concerns a person.
                    if sealing, let person = target.person, let keyBytes = target.key, batch.sensitiveKeys.contains(kv.key) {
                        let key = sealingKeys[deviceSeq] ?? keyBytes.key
                        sealingKeys[deviceSeq] = key
                        stored = StoredValue(
                            t: Int16(kv.value.typeTag + SealedReading.offset), long: nil, double: nil, text: nil,
                            sealed: try SealedReading.seal(kv.value, subject: person, key: key))
                    }
                    rows.add(device: deviceSeq, key: keyIDs[kv.key]!, ts: entry.ts, value: stored)
                    if let ttl = batch.ttlMillis {
                        rows.expire(device: deviceSeq, key: keyIDs[kv.key]!, ts: entry.ts, at: ReadingExpiry.expiresAt(ts: entry.ts, ttl: ttl))
                    }
                }
            }
        }
        try await rows.write(db)
        return createdKeys
    }

    /// The storage keys of `devices` that exist, by device id: looked up every group commit, never cached, so a
    /// device deleted by another process stops receiving rows.
    func deviceKeys(_ db: SQLConnection, _ devices: [DeviceID]) async throws -> [String: Int64] {
        let ids = Array(Set(devices.map(\.description)))
        var seqs: [String: Int64] = [:]
        for row in try await db.fetchAll(sql: "SELECT id, seq FROM device WHERE id = ANY(?)", arguments: [ids]) {
            seqs[try row["id"]] = try row["seq"] as Int64
        }
        return seqs
    }

    /// The ids of `names`, inserting the new ones. Ids not in the shared cache are returned as `created` too: they
    /// join the cache only after the commit (see `rememberTelemetryKeys`). New keys go in sorted, so two writers
    /// wait on each other's keys in the same order.
    func telemetryKeyIDs(_ db: SQLConnection, _ names: Set<String>) async throws -> (ids: [String: Int64], created: [String: Int64]) {
        var ids: [String: Int64] = [:]
        var missing: [String] = []
        telemetryKeys.withLock { cache in
            for name in names {
                if let id = cache[name] { ids[name] = id } else { missing.append(name) }
            }
        }
        guard !missing.isEmpty else { return (ids, [:]) }
        missing.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        try await db.execute(
            sql: "INSERT INTO ts_key(key) SELECT unnest(?::text[]) ON CONFLICT (key) DO NOTHING", arguments: [missing])
        var created: [String: Int64] = [:]
        for row in try await db.fetchAll(sql: "SELECT id, key FROM ts_key WHERE key = ANY(?)", arguments: [missing]) {
            created[try row["key"]] = try row["id"] as Int64
        }
        ids.merge(created) { current, _ in current }
        return (ids, created)
    }

    /// Ids of the keys that exist (reads never create keys).
    func existingTelemetryKeyIDs(_ db: SQLConnection, _ keys: [String]) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        let storable = Self.storableKeys(keys)
        guard !storable.isEmpty else { return result }
        for row in try await db.fetchAll(sql: "SELECT id, key FROM ts_key WHERE key = ANY(?)", arguments: [storable]) {
            result[try row["key"]] = try row["id"] as Int64
        }
        return result
    }

    public func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] {
        try await database.read { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            var sql = """
                SELECT k.key, l.ts, l.t, l.v_long, l.v_double, l.v_text, l.v_sealed
                FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ?
                """
            var arguments: SQLArguments = [seq]
            if let keys {
                let storable = Self.storableKeys(keys)
                if storable.isEmpty { return [:] }
                sql += " AND k.key = ANY(?)"
                arguments = arguments + [storable]
            }
            var result: [String: TimeSeriesPoint] = [:]
            for row in try await db.fetchAll(sql: sql, arguments: arguments) {
                // A sealed reading whose person's key is gone cannot be read by anyone: it is left out.
                guard let value = try StoredValue(row: row).value(keys: self.keys) else { continue }
                result[try row["key"]] = TimeSeriesPoint(ts: try row["ts"], value: value)
            }
            return result
        }
    }

    /// The device's keys in byte order, as SQLite orders text.
    public func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] {
        try await database.read { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            return try await db.fetchValues(
                String.self,
                sql: """
                    SELECT k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ?
                    ORDER BY k.key COLLATE "C"
                    """,
                arguments: [seq])
        }
    }

    public func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] {
        try query.validate()
        return try await database.read { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            let keyIDs = try await self.existingTelemetryKeyIDs(db, query.keys)
            var result: [String: [TimeSeriesPoint]] = [:]
            for key in query.keys {
                guard let keyID = keyIDs[key] else { continue }
                let points =
                    query.aggregation == .none
                    ? try await self.rawPoints(db, seq: seq, keyID: keyID, query: query)
                    : try await self.aggregatedPoints(db, seq: seq, keyID: keyID, query: query)
                if !points.isEmpty { result[key] = points }
            }
            return result
        }
    }
}
