import Foundation
import StewardCore

/// The SQL both backends run for readings: the devices of a group are those whose profile has the group's name
/// (or that have none), the key is found by name.
public enum ReadingRetentionSQL {
    /// Distinct (profile name, key) pairs of the latest values, of the roll-ups (which outlive them) and of the
    /// attributes devices report (CLIENT scope, which the telemetry mapping classifies like readings).
    public static let groups = """
        SELECT DISTINCT p.name AS profile, x.key AS key FROM (
          SELECT l.device_seq, k.key FROM (SELECT device_seq, key_id FROM ts_kv_latest
                                           UNION SELECT DISTINCT device_seq, key_id FROM ts_rollup) l
          JOIN ts_key k ON k.id = l.key_id
          UNION SELECT device_seq, key FROM attribute_kv WHERE scope = \(AttributeScope.client.code)) x
        JOIN device d ON d.seq = x.device_seq LEFT JOIN device_profile p ON p.id = d.profile_id
        """

    /// The device-reported attributes of a group (parameters: key, [profile]) as a WHERE clause over `attribute_kv`
    /// aliased `r`: counted (cutoff), deleted (cutoff), oldest left.
    public static func attributeStatements(profile: String?) -> (count: String, delete: String, oldest: String) {
        let devices = selection(profile: profile).components(separatedBy: " AND r.device_seq IN ").last!
        let selection = "r.scope = \(AttributeScope.client.code) AND r.key = ? AND r.device_seq IN \(devices)"
        return (
            "SELECT COUNT(*) FROM attribute_kv r WHERE \(selection) AND r.last_update_ts < ?",
            "DELETE FROM attribute_kv WHERE (device_seq, scope, key) IN (SELECT r.device_seq, r.scope, r.key FROM attribute_kv r WHERE \(selection) AND r.last_update_ts < ?)",
            "SELECT MIN(r.last_update_ts) FROM attribute_kv r WHERE \(selection)"
        )
    }

    /// The readings of the group (parameters: key, [profile]) as a WHERE clause over a table aliased `r`.
    public static func selection(profile: String?) -> String {
        "r.key_id = (SELECT id FROM ts_key WHERE key = ?) AND r.device_seq IN (\(devices(profile: profile)))"
    }

    /// The storage keys of the group's devices (parameter: [profile]).
    static func devices(profile: String?) -> String {
        profile == nil
            ? "SELECT d.seq FROM device d WHERE d.profile_id IS NULL"
            : "SELECT d.seq FROM device d JOIN device_profile p ON p.id = d.profile_id WHERE p.name = ?"
    }

    /// The group's oldest reading (parameters: key, [profile]) by one primary-key seek per device: a `MIN` over the
    /// whole selection would read every reading left, once per batch.
    public static func oldest(profile: String?) -> String {
        """
        SELECT MIN((SELECT MIN(r.ts) FROM ts_kv r WHERE r.device_seq = x.seq AND r.key_id = k.id))
        FROM (SELECT id FROM ts_key WHERE key = ?) k CROSS JOIN device x WHERE x.seq IN (\(devices(profile: profile)))
        """
    }

    /// The arguments of `selection`.
    public static func arguments(_ group: TelemetrySeriesGroup) -> [String] {
        group.profile.map { [group.key, $0] } ?? [group.key]
    }

    /// Statements with the group's arguments first, then the cutoff (and the limit).
    public static func statements(profile: String?) -> (count: String, deleteBatch: String, deleteLatest: String, oldest: String) {
        var sql = statements(selection: selection(profile: profile))
        sql.oldest = oldest(profile: profile)
        return sql
    }

    /// The batch of readings of `selection` before a cutoff, in primary-key order (parameters: the selection's, the
    /// cutoff, the limit), as a subquery yielding `device_seq, key_id, ts` and the value columns `values`.
    public static func batch(selection: String, values: String = "") -> String {
        """
        SELECT r.device_seq, r.key_id, r.ts\(values) FROM ts_kv r WHERE \(selection) AND r.ts < ?
        ORDER BY r.device_seq, r.key_id, r.ts LIMIT ?
        """
    }

    /// The statements for any selection of readings aliased `r`, with its arguments first, then the cutoff (and the
    /// limit).
    public static func statements(selection: String) -> (count: String, deleteBatch: String, deleteLatest: String, oldest: String) {
        (
            "SELECT COUNT(*) FROM ts_kv r WHERE \(selection) AND r.ts < ?",
            "DELETE FROM ts_kv WHERE (device_seq, key_id, ts) IN (\(batch(selection: selection)))",
            "DELETE FROM ts_kv_latest WHERE (device_seq, key_id) IN (SELECT r.device_seq, r.key_id FROM ts_kv_latest r WHERE \(selection) AND r.ts < ?)",
            "SELECT MIN(r.ts) FROM ts_kv r WHERE \(selection)"
        )
    }
}
