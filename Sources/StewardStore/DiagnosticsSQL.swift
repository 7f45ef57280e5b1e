/// The statements both backends run for `DiagnosticsStore`, with `?` parameters: the tables and columns are named
/// alike on SQLite and PostgreSQL, and each backend's dialect accepts these as written.
public enum DiagnosticsSQL {
    /// An event; one already written (a retried flush) is left as it is.
    public static let insertEvent = """
        INSERT INTO diagnostic_event (id, time, method, route, status, duration_ms, browser, os, app_version, network)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
        """

    /// A daily row added to what its day already counts: counts and sums add up, the maximum is the larger.
    public static let addDay = """
        INSERT INTO diagnostic_day (day, method, route, status, browser, os, app_version, count, duration_sum_ms, duration_max_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, method, route, status, browser, os, app_version) DO UPDATE SET
          count = diagnostic_day.count + excluded.count,
          duration_sum_ms = diagnostic_day.duration_sum_ms + excluded.duration_sum_ms,
          duration_max_ms = CASE WHEN excluded.duration_max_ms > diagnostic_day.duration_max_ms
                                 THEN excluded.duration_max_ms ELSE diagnostic_day.duration_max_ms END
        """

    /// A link from an event to a person (diagnostic id, user id, time); linking again keeps the first time.
    public static let link = """
        INSERT INTO diagnostic_link (diagnostic_id, user_id, time) VALUES (?, ?, ?)
        ON CONFLICT (diagnostic_id, user_id) DO NOTHING
        """

    /// Events no one linked: only these are ever folded away.
    static let unlinked = "NOT EXISTS (SELECT 1 FROM diagnostic_link l WHERE l.diagnostic_id = e.id)"

    /// The next batch to fold (cutoff, limit), oldest first.
    public static let foldBatch = """
        SELECT e.id, e.time, e.method, e.route, e.status, e.duration_ms, e.browser, e.os, e.app_version, e.network
        FROM diagnostic_event e WHERE e.time < ? AND \(unlinked) ORDER BY e.time, e.id LIMIT ?
        """

    /// How many events a fold at the cutoff would take.
    public static let countFoldable = "SELECT COUNT(*) FROM diagnostic_event e WHERE e.time < ? AND \(unlinked)"

    /// The oldest event a fold could still take.
    public static let oldestUnlinked = "SELECT MIN(e.time) FROM diagnostic_event e WHERE \(unlinked)"

    /// Erasure: the events linked to a person (user id twice) that no one else linked.
    public static let eraseLinkedEvents = """
        DELETE FROM diagnostic_event WHERE id IN (SELECT diagnostic_id FROM diagnostic_link WHERE user_id = ?)
        AND NOT EXISTS (SELECT 1 FROM diagnostic_link o WHERE o.diagnostic_id = diagnostic_event.id AND o.user_id <> ?)
        """

    /// Erasure: the person's links (user id).
    public static let eraseLinks = "DELETE FROM diagnostic_link WHERE user_id = ?"
}
