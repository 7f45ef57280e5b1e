import Crypto
import NIOCore
import PostgresNIO
import StewardCore
import StewardStore
import StewardVault

/// The readings of one group commit, ready for `ts_kv` and `ts_kv_latest`: one row per (device, key, ts), the last
/// written winning as SQLite's `INSERT OR REPLACE` lets it (PostgreSQL's `ON CONFLICT DO UPDATE` refuses to touch a
/// row twice in one statement), and for the latest table one row per (device, key), the newest reading (on equal
/// timestamps the last written).
struct PostgresTelemetryRows {
    struct Slot: Hashable, Comparable {
        var device: Int64
        var key: Int64
        var ts: Int64

        static func < (a: Slot, b: Slot) -> Bool {
            (a.device, a.key, a.ts) < (b.device, b.key, b.ts)
        }
    }

    private(set) var readings: [Slot: StoredValue] = [:]
    /// Newest reading per (device, key) (the slot's `ts` is 0), with its timestamp.
    private(set) var newest: [Slot: (ts: Int64, value: StoredValue)] = [:]

    /// When readings written with a time to live expire (REST batches with a `{ttl}` only; empty on the device path).
    private(set) var expiries: [Slot: Int64] = [:]

    var isEmpty: Bool { readings.isEmpty }

    mutating func expire(device: Int64, key: Int64, ts: Int64, at expiresAt: Int64) {
        expiries[Slot(device: device, key: key, ts: ts)] = expiresAt
    }

    mutating func add(device: Int64, key: Int64, ts: Int64, value: StoredValue) {
        readings[Slot(device: device, key: key, ts: ts)] = value
        let latestSlot = Slot(device: device, key: key, ts: 0)
        if let current = newest[latestSlot], current.ts > ts { return }
        newest[latestSlot] = (ts, value)
    }

    /// Writes the readings with one `INSERT … SELECT FROM unnest(…)` per table, each a prepared statement (parsed and
    /// planned once per connection, whatever the group's size). Rows go in sorted by (device, key, ts), so two
    /// writers take their row locks in the same order and cannot deadlock.
    func write(_ db: SQLConnection) async throws {
        guard !readings.isEmpty else { return }
        let rows = readings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        _ = try await db.connection.execute(ReadingsUpsert(bindings: Self.arrays(rows).bindings), logger: db.logger)
        let latest = newest.sorted { $0.key < $1.key }.map { (Slot(device: $0.key.device, key: $0.key.key, ts: $0.value.ts), $0.value.value) }
        _ = try await db.connection.execute(LatestUpsert(bindings: Self.arrays(latest).bindings), logger: db.logger)
        if !expiries.isEmpty {
            let sorted = expiries.sorted { $0.key < $1.key }
            _ = try await db.execute(
                sql: """
                    INSERT INTO ts_kv_expiry (device_seq, key_id, ts, expires_at)
                    SELECT * FROM unnest(?::int8[], ?::int8[], ?::int8[], ?::int8[])
                    ON CONFLICT (device_seq, key_id, ts) DO UPDATE SET expires_at = excluded.expires_at
                    """,
                arguments: [sorted.map(\.key.device), sorted.map(\.key.key), sorted.map(\.key.ts), sorted.map(\.value)])
        }
    }

    /// Every reading of the group into `ts_kv`; a reading at a (device, key, ts) already stored replaces it.
    struct ReadingsUpsert: PostgresPreparedStatement {
        static let name = "steward_ts_kv_upsert"
        static let sql = SQLText.numbered(
            """
            INSERT INTO ts_kv (device_seq, key_id, ts, t, v_long, v_double, v_text, v_sealed)
            \(selectFromArrays)
            ON CONFLICT (device_seq, key_id, ts) DO UPDATE SET t = excluded.t, v_long = excluded.v_long,
              v_double = excluded.v_double, v_text = excluded.v_text, v_sealed = excluded.v_sealed
            """)
        typealias Row = ()
        let bindings: PostgresBindings
        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// The newest reading per (device, key) into `ts_kv_latest`, unless a newer one is there already.
    struct LatestUpsert: PostgresPreparedStatement {
        static let name = "steward_ts_kv_latest_upsert"
        static let sql = SQLText.numbered(
            """
            INSERT INTO ts_kv_latest (device_seq, key_id, ts, t, v_long, v_double, v_text, v_sealed)
            \(selectFromArrays)
            ON CONFLICT (device_seq, key_id) DO UPDATE SET ts = excluded.ts, t = excluded.t, v_long = excluded.v_long,
              v_double = excluded.v_double, v_text = excluded.v_text, v_sealed = excluded.v_sealed
            WHERE excluded.ts >= ts_kv_latest.ts
            """)
        typealias Row = ()
        let bindings: PostgresBindings
        func makeBindings() -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// Arrays cannot carry NULL (postgres-nio writes their elements raw), so every row fills all four value slots,
    /// the unused ones with 0, 0.0, "" and an empty buffer, and the type tag picks the column that is kept.
    static let selectFromArrays = """
        SELECT d, k, ts, t, CASE WHEN t IN (1, 2) THEN l END, CASE WHEN t = 3 THEN f END,
               CASE WHEN t IN (4, 5) THEN s END, CASE WHEN t >= 100 THEN b END
        FROM unnest(?::int8[], ?::int8[], ?::int8[], ?::int2[], ?::int8[], ?::float8[], ?::text[], ?::bytea[])
          AS u(d, k, ts, t, l, f, s, b)
        """

    static func arrays(_ rows: [(Slot, StoredValue)]) -> SQLArguments {
        var devices: [Int64] = [], keys: [Int64] = [], stamps: [Int64] = [], tags: [Int16] = []
        var longs: [Int64] = [], doubles: [Double] = [], texts: [String] = [], sealed: [ByteBuffer] = []
        devices.reserveCapacity(rows.count)
        keys.reserveCapacity(rows.count)
        stamps.reserveCapacity(rows.count)
        tags.reserveCapacity(rows.count)
        longs.reserveCapacity(rows.count)
        doubles.reserveCapacity(rows.count)
        texts.reserveCapacity(rows.count)
        sealed.reserveCapacity(rows.count)
        let empty = ByteBuffer()
        for (slot, value) in rows {
            devices.append(slot.device)
            keys.append(slot.key)
            stamps.append(slot.ts)
            tags.append(value.t)
            longs.append(value.long ?? 0)
            doubles.append(value.double ?? 0)
            texts.append(value.text ?? "")
            sealed.append(value.sealed.map { ByteBuffer(bytes: $0) } ?? empty)
        }
        return [devices, keys, stamps, tags, longs, doubles, texts, sealed]
    }
}
