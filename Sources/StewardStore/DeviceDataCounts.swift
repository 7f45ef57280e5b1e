/// What deleting a device takes with it, counted for the console's confirmation page.
public struct DeviceDataCounts: Sendable, Equatable {
    public var readings: Int
    public var attributes: Int
    /// Hourly and daily totals kept of readings retention already deleted (`ts_rollup`).
    public var totals: Int

    public init(readings: Int, attributes: Int, totals: Int) {
        self.readings = readings
        self.attributes = attributes
        self.totals = totals
    }

    /// The same query on every backend: one row for a device of the tenant, none otherwise.
    public static let sql = """
        SELECT (SELECT COUNT(*) FROM ts_kv r WHERE r.device_seq = d.seq),
               (SELECT COUNT(*) FROM attribute_kv a WHERE a.device_seq = d.seq),
               (SELECT COUNT(*) FROM ts_rollup t WHERE t.device_seq = d.seq)
        FROM device d WHERE d.id = ? AND d.tenant_id = ?
        """
}
