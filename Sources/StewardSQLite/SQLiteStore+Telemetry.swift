import Crypto
import GRDB
import StewardCore
import StewardStore
import Synchronization

extension SQLiteStore: TelemetryStore, BlockingTelemetryAppend {
    public func append(_ batches: [TelemetryBatch]) async throws {
        let createdKeys = try await pool.write { db in try self.insert(batches, db) }
        rememberTelemetryKeys(createdKeys)
    }

    /// The group commit on the writer's own thread (see `BlockingTelemetryAppend`).
    public func appendBlocking(_ batches: [TelemetryBatch]) throws {
        let createdKeys = try pool.write { db in try self.insert(batches, db) }
        rememberTelemetryKeys(createdKeys)
    }

    /// Telemetry key ids created by a committed transaction join the shared cache only now, so a rolled-back insert
    /// never leaves a stale id behind.
    func rememberTelemetryKeys(_ created: [String: Int64]) {
        if !created.isEmpty {
            telemetryKeys.withLock { $0.merge(created) { current, _ in current } }
        }
    }

    /// Inserts every batch inside the caller's transaction; returns the telemetry key ids it created. Readings go in
    /// as multi-row INSERTs bound through SQLite's C API (no per-value allocation); the latest table is updated once
    /// per device and key with the newest reading of the whole group, instead of once per reading.
    func insert(_ batches: [TelemetryBatch], _ db: Database) throws -> [String: Int64] {
        var createdKeys: [String: Int64] = [:]
        var rows: [TelemetryRow] = []
        rows.reserveCapacity(batches.count * 4)
        var newest: [LatestKey: Int] = [:]
        var targets: [DeviceID: IngestTarget] = [:]
        var sealingKeys: [Int64: SymmetricKey] = [:]
        var expiring: [(rows: Range<Int>, ttl: Int64)] = []
        for batch in batches {
            let sealing = !batch.sensitiveKeys.isEmpty
            let known = targets[batch.device].flatMap { !sealing || $0.resolvedPerson ? $0 : nil }
            guard let target = try known ?? ingestTarget(db, batch.device, sealing: sealing) else {
                // Never acknowledge readings that were not stored: the device was deleted meanwhile.
                throw StewardError.notFound("Device with id [\(batch.device)] is not found; it may have been deleted")
            }
            targets[batch.device] = target
            let deviceSeq = target.seq
            let firstRow = rows.count
            defer { if let ttl = batch.ttlMillis { expiring.append((firstRow..<rows.count, ttl)) } }
            for entry in batch.entries {
                for kv in entry.values {
                    let keyID = try telemetryKeyID(db, kv.key, created: &createdKeys)
                    var row = TelemetryRow(device: deviceSeq, key: keyID, ts: entry.ts, value: kv.value)
                    // Sealed when the device service said the key is sensitive and the device concerns a person.
                    if sealing, let person = target.person, let keyBytes = target.keyBytes, batch.sensitiveKeys.contains(kv.key) {
                        let key = sealingKeys[deviceSeq] ?? SymmetricKey(data: keyBytes)
                        sealingKeys[deviceSeq] = key
                        row.sealed = try SealedReadings.seal(kv.value, subject: person, key: key)
                    }
                    let slot = LatestKey(device: deviceSeq, key: keyID)
                    if let current = newest[slot], rows[current].ts > entry.ts {
                        rows.append(row)
                        continue
                    }
                    newest[slot] = rows.count
                    rows.append(row)
                }
            }
        }
        try TelemetryRowWriter.insert(rows, into: db)
        try TelemetryRowWriter.upsertLatest(newest.values.map { rows[$0] }, into: db)
        if !expiring.isEmpty {
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO ts_kv_expiry(device_seq, key_id, ts, expires_at) VALUES (?, ?, ?, ?)")
            for (range, ttl) in expiring {
                for row in rows[range] {
                    try statement.execute(arguments: [row.device, row.key, row.ts, ReadingExpiry.expiresAt(ts: row.ts, ttl: ttl)])
                }
            }
        }
        return createdKeys
    }

    public func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] {
        try await pool.read { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            var sql = "SELECT k.key, l.ts, l.t, l.v FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ?"
            var arguments: StatementArguments = [seq]
            if let keys {
                if keys.isEmpty { return [:] }
                sql += " AND k.key IN (\(Array(repeating: "?", count: keys.count).joined(separator: ",")))"
                arguments += StatementArguments(keys)
            }
            var result: [String: TimeSeriesPoint] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                guard let value = SealedReadings.value(t: row["t"], v: row["v"], keys: self.keys) else { continue }
                result[row["key"]] = TimeSeriesPoint(ts: row["ts"], value: value)
            }
            return result
        }
    }

    public func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] {
        try await pool.read { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            return try String.fetchAll(
                db,
                sql: "SELECT k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ? ORDER BY k.key",
                arguments: [seq])
        }
    }

    public func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] {
        try query.validate()
        return try await pool.read { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            let keyIDs = try self.existingTelemetryKeyIDs(db, query.keys)
            var result: [String: [TimeSeriesPoint]] = [:]
            for key in query.keys {
                guard let keyID = keyIDs[key] else { continue }
                let points =
                    query.aggregation == .none
                    ? try Self.rawPoints(db, seq: seq, keyID: keyID, query: query, keys: self.keys)
                    : try Self.aggregatedPoints(db, seq: seq, keyID: keyID, query: query, keys: self.keys)
                if !points.isEmpty { result[key] = points }
            }
            return result
        }
    }

    static func rawPoints(_ db: Database, seq: Int64, keyID: Int64, query: TimeSeriesQuery, keys: PersonKeyStore?) throws -> [TimeSeriesPoint] {
        let order = query.ascending ? "ASC" : "DESC"
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT ts, t, v FROM ts_kv WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ?
                ORDER BY ts \(order) LIMIT ?
                """,
            arguments: [seq, keyID, query.startTs, query.endTs, query.limit])
        var points: [TimeSeriesPoint] = []
        while let row = try rows.next() {
            if let value = SealedReadings.value(t: row["t"], v: row["v"], keys: keys) {
                points.append(TimeSeriesPoint(ts: row["ts"], value: value))
            }
        }
        return points
    }

    /// Groups readings into buckets of `interval` ms starting at `startTs` (`TimeSeriesBuckets`). Each bucket is one
    /// range read of the primary key with plain aggregates (`bucketTotals`): no sort, where one `GROUP BY` over the
    /// whole range sorts every reading (`bench/history.sh`: 1,000,000 readings to 700 points). Sealed readings are
    /// only counted there; when there are any they are read again, opened here (no SQL can add them up) and added to
    /// the same buckets. A series without sealed readings is read once.
    static func aggregatedPoints(
        _ db: Database, seq: Int64, keyID: Int64, query: TimeSeriesQuery, keys: PersonKeyStore?
    ) throws -> [TimeSeriesPoint] {
        var buckets = TimeSeriesBuckets(query)
        let single = try db.cachedStatement(
            sql: """
                SELECT MIN(t) AS t, MAX(t) AS t_high, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high
                FROM ts_kv WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ?
                """)
        let mixed = try db.cachedStatement(
            sql: """
                SELECT t, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high
                FROM ts_kv WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ? GROUP BY t
                """)
        var sealedCount: Int64 = 0
        // Adds one type's totals in a bucket: only longs (2) and doubles (3) have totals; the others only count.
        func add(_ row: Row, bucket: Int64) {
            let t: Int64 = row["t"]
            let n: Int64 = row["n"]
            guard t < SealedReadings.offset else {
                sealedCount += n
                return
            }
            let numeric = t == 2 || t == 3
            buckets.add(
                TimeSeriesBuckets.Bucket(
                    count: n, numericCount: numeric ? n : 0, sawDouble: t == 3,
                    total: numeric ? number(row["total"]) : nil, low: numeric ? number(row["low"]) : nil,
                    high: numeric ? number(row["high"]) : nil),
                bucket: bucket)
        }
        let count = (query.endTs - query.startTs + buckets.interval - 1) / buckets.interval
        for bucket in 0..<max(count, 0) {
            let from = query.startTs + bucket * buckets.interval
            let arguments: StatementArguments = [seq, keyID, from, min(from + buckets.interval, query.endTs)]
            guard let row = try Row.fetchOne(single, arguments: arguments), (row["n"] as Int64) > 0 else { continue }
            if (row["t"] as Int64) == (row["t_high"] as Int64) {
                add(row, bucket: bucket)
            } else {
                for row in try Row.fetchAll(mixed, arguments: arguments) { add(row, bucket: bucket) }
            }
        }
        let sealed = try Row.fetchCursor(
            db,
            sql: "SELECT ts, t, v FROM ts_kv WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ? AND t >= \(SealedReadings.offset)",
            arguments: [seq, keyID, query.startTs, query.endTs])
        while sealedCount > 0, let row = try sealed.next() {
            // A reading whose person's key is gone counts no more: it cannot be read by anyone.
            if let value = SealedReadings.value(t: row["t"], v: row["v"], keys: keys) { buckets.add(value, at: row["ts"]) }
        }
        if ReadingRollups.apply(to: buckets) {
            // Past the raw horizon: the totals an aggregate rule kept of deleted readings (never counted twice: a
            // reading is either still raw or in the totals).
            let firstHour = try Int64.fetchOne(db, sql: ReadingRollups.firstHour, arguments: [seq, keyID]) ?? Int64.max
            let rows = try Row.fetchAll(
                db, sql: ReadingRollups.rows,
                arguments: [seq, keyID, query.startTs, query.endTs, query.startTs, firstHour, query.endTs])
            for row in rows {
                buckets.add(
                    ReadingRollups.bucket(
                        n: row["n"], numeric: row["numeric_n"], doubles: row["double_n"], total: row["total"], low: row["low"],
                        high: row["high"]),
                    bucket: buckets.bucket(of: row["start"]))
            }
        }
        return buckets.points()
    }

    static func number(_ value: DatabaseValue) -> TimeSeriesBuckets.Number? {
        switch value.storage {
        case .int64(let i): return .long(i)
        case .double(let d): return .double(d)
        default: return nil
        }
    }
}

struct LatestKey: Hashable {
    var device: Int64
    var key: Int64
}
