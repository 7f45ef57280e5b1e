/// What one bounded retention call did: how many records it deleted (or, in a dry run, would delete), whether it
/// stopped at its limit with more to do, and the time of the oldest record of the kind that is left.
public struct RetentionStep: Sendable, Equatable {
    public var affected: Int
    /// The call reached its limit: call again for the rest (a dry run counts everything and is never `more`).
    public var more: Bool
    /// The oldest record of the kind left after the call, by the kind's time (nil when none is left).
    public var oldest: Int64?

    public init(affected: Int, more: Bool, oldest: Int64?) {
        self.affected = affected
        self.more = more
        self.oldest = oldest
    }
}

/// Records that expire as whole rows once their declared period has passed (promise MB-14), each by its own time:
/// the time after which the record no longer serves its purpose.
public enum RetainedRecord: String, Sendable, CaseIterable {
    /// Signed-in sessions and API sessions, by when they ended (revoked, else expired); a live session never goes.
    case sessions
    /// Confirmation, reset and sign-in links and codes, by when they expire.
    case oneTimeTokens
    /// The sign-in history, by when the attempt was made.
    case signIns
    /// Locks on addresses without an account after failed sign-ins, by when the lock ends.
    case addressLocks
    /// Mail, by when it was sent, else (mail that could never be delivered) by when it was queued.
    case mail

    /// The table, its key, and the SQL expression of the record's time: the same on SQLite and PostgreSQL, whose
    /// schemas name tables and columns alike.
    public var layout: (table: String, key: String, time: String) {
        switch self {
        case .sessions: return ("session", "id", "COALESCE(revoked_time, expires_time)")
        case .oneTimeTokens: return ("one_time_token", "hash", "expires_time")
        case .signIns: return ("sign_in", "id", "time")
        case .addressLocks: return ("address_lock", "email_hash", "until")
        case .mail: return ("mail_outbox", "id", "COALESCE(sent_time, created_time)")
        }
    }

    /// The statements a backend runs for `expire`, with `?` parameters: count (cutoff), delete a batch (cutoff,
    /// limit), oldest left.
    public var statements: (count: String, deleteBatch: String, oldest: String) {
        let (table, key, time) = layout
        return (
            "SELECT COUNT(*) FROM \(table) WHERE \(time) < ?",
            "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(time) < ? ORDER BY \(time) LIMIT ?)",
            "SELECT MIN(\(time)) FROM \(table)"
        )
    }
}

/// Deleting what has outlived its declared period, in calls small enough that ingest and sign-ins never wait long
/// behind one: each call is one transaction of at most `limit` records. The retention service decides the cutoffs
/// from the privacy declaration; the store only deletes by them.
public protocol RetentionStore: Sendable {
    /// Deletes at most `limit` records of `record` whose time is before `cutoff` (ms), oldest first; with `dryRun`
    /// deletes nothing and counts every record that would go.
    func expire(_ record: RetainedRecord, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep
}
