import StewardCore

/// Which readings of a device to delete: ThingsBoard's `DELETE /api/plugins/telemetry/DEVICE/{id}/timeseries/delete`
/// as a value, checked before any store sees it.
public struct ReadingDeletion: Sendable, Equatable {
    public var keys: [String]
    /// Readings with `startTs <= ts < endTs` go (the range ThingsBoard's SQL delete uses).
    public var startTs: Int64
    public var endTs: Int64
    /// Whether a latest value inside the range goes too (ThingsBoard's default: yes).
    public var deleteLatest: Bool
    /// Whether a deleted latest value is replaced by the newest reading left.
    public var rewriteLatest: Bool

    public init(keys: [String], startTs: Int64, endTs: Int64, deleteLatest: Bool = true, rewriteLatest: Bool = false) {
        self.keys = keys
        self.startTs = startTs
        self.endTs = endTs
        self.deleteLatest = deleteLatest
        self.rewriteLatest = rewriteLatest
    }

    /// Every reading ever stored under the keys (`deleteAllDataForKeys`): the end is past any timestamp Steward
    /// accepts, so future-dated readings go too.
    public static func all(keys: [String], deleteLatest: Bool = true, rewriteLatest: Bool = false) -> ReadingDeletion {
        ReadingDeletion(keys: keys, startTs: 0, endTs: Int64.max, deleteLatest: deleteLatest, rewriteLatest: rewriteLatest)
    }

    /// Refuses what would delete nothing by mistake: no keys, or a range that ends before it starts.
    public func validate() throws(StewardError) {
        guard !keys.isEmpty else { throw .badRequest("Parameter 'keys' is required: the telemetry keys to delete, comma-separated") }
        guard startTs >= 0 else { throw .badRequest("'startTs' must not be negative, not \(startTs)") }
        guard startTs <= endTs else { throw .badRequest("'startTs' must not be after 'endTs' (\(startTs) > \(endTs))") }
    }

    /// The keys to delete with their ids, in the order asked, given the ids of those the device has data under;
    /// refuses the lot, naming them, when any key is unknown, so nothing is deleted.
    public func resolve(known: [String: Int64]) throws(StewardError) -> [(key: String, id: Int64)] {
        let unknown = keys.filter { known[$0] == nil }
        guard unknown.isEmpty else { throw Self.unknownKeys(unknown) }
        return keys.map { ($0, known[$0]!) }
    }

    /// The error for keys the device has no data under: the caller most likely mistyped one, so nothing is deleted.
    public static func unknownKeys(_ keys: [String]) -> StewardError {
        .badRequest("Unknown telemetry key(s) for this device: \(keys.joined(separator: ", ")); nothing was deleted")
    }

    /// Whether the device has a reading or a latest value of a key (parameters: device, key id, device, key id). The
    /// same on both backends.
    public static let knownKeySQL = """
        SELECT EXISTS(SELECT 1 FROM ts_kv WHERE device_seq = ? AND key_id = ?)
            OR EXISTS(SELECT 1 FROM ts_kv_latest WHERE device_seq = ? AND key_id = ?)
        """

    /// Deletes in the range (device, key id, start, end) from a table keyed by device, key and time.
    public static func deleteRangeSQL(_ table: String) -> String {
        "DELETE FROM \(table) WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ?"
    }
}

/// When a reading written with a time to live expires: its own time plus the TTL, as ThingsBoard's SQL TTL job counts
/// it (not from when it was written), saturating instead of overflowing.
public enum ReadingExpiry {
    public static func expiresAt(ts: Int64, ttl: Int64) -> Int64 {
        let (sum, overflow) = ts.addingReportingOverflow(ttl)
        return overflow ? (ttl > 0 ? Int64.max : Int64.min) : sum
    }
}
