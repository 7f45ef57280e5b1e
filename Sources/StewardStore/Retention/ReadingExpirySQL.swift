/// The SQL both backends run for readings written with a time to live.
public enum ReadingExpirySQL {
    /// Unopened accounts: count (cutoff) and oldest.
    public static let unopenedCount = "SELECT COUNT(*) FROM \"user\" WHERE status IN ('awaiting-email', 'awaiting-parent') AND created_time < ?"
    public static let unopenedOldest = "SELECT MIN(created_time) FROM \"user\" WHERE status IN ('awaiting-email', 'awaiting-parent')"

    /// The folded statistics of a tenant's key in a category (parameters: tenant, category, key).
    public static let foldedStatistics =
        "SELECT day, count, sum, min, max FROM statistic WHERE tenant_id = ? AND category = ? AND key = ? ORDER BY day"

    /// The batch of expired readings (parameters: now, limit), soonest first, in a total order so every statement of
    /// one transaction sees the same batch.
    public static let batch = """
        SELECT device_seq, key_id, ts FROM ts_kv_expiry WHERE expires_at <= ?
        ORDER BY expires_at, device_seq, key_id, ts LIMIT ?
        """
    public static let count = "SELECT COUNT(*) FROM ts_kv_expiry WHERE expires_at <= ?"
    public static let oldest = "SELECT MIN(expires_at) FROM ts_kv_expiry"

    /// Deletes the batch's rows from a table keyed by (device_seq, key_id, ts) (parameters: now, limit).
    public static func delete(from table: String) -> String {
        "DELETE FROM \(table) WHERE (device_seq, key_id, ts) IN (\(batch))"
    }
}
