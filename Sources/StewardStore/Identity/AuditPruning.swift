import StewardCore

/// Pruning the audit trail at the end of its retention period (`system.audit`, promise MB-14) without breaking
/// `steward audit verify`: the oldest entries go as a prefix, the trail then starts after an anchor (the last removed
/// entry's sequence and hash), and an `audit.pruned` entry, chained like every other, vouches for that anchor.
/// Without the chain key no one can write such an entry, so removing more entries and moving the anchor to hide it
/// is detected (`AuditVerification.anchorUnproven`).
public enum AuditPruning {
    /// The end of the prunable prefix (parameters: cutoff, cutoff, limit): the entry before the first one made at or
    /// after the cutoff, at most `limit` entries in; the same on SQLite and PostgreSQL.
    /// The first young entry is found walking the trail from its start (`ORDER BY seq LIMIT 1`), which reads only the
    /// prefix, as `time` has no index.
    public static let lastPrunableSQL = """
        SELECT MAX(seq) FROM (SELECT seq FROM audit_log
          WHERE seq < COALESCE((SELECT seq FROM audit_log WHERE time >= ? ORDER BY seq LIMIT 1), 9223372036854775807)
            AND time < ?
          ORDER BY seq LIMIT ?) prefix
        """

    /// How many entries a prune would remove now (parameters: cutoff, cutoff): the whole prefix, for a dry run.
    public static let countSQL = """
        SELECT COUNT(*) FROM audit_log
        WHERE seq < COALESCE((SELECT seq FROM audit_log WHERE time >= ? ORDER BY seq LIMIT 1), 9223372036854775807) AND time < ?
        """

    /// The time of the first entry left (the trail's entries are in time order, up to clock changes).
    public static let oldestSQL = "SELECT time FROM audit_log ORDER BY seq LIMIT 1"

    /// The entry a prune appends: what went and the anchor it leaves.
    public static func event(first: Int64, anchor: AuditAnchor, time: Int64) -> AuditEvent {
        AuditEvent(
            time: time, tenantID: nil, actorID: nil, credential: "retention", subjectID: nil, event: AuditAnchor.prunedEvent,
            detail: "removed entries #\(first) to #\(anchor.sequence) at the end of their retention period (system.audit); \(anchor.proof)")
    }
}
