import StewardCore
import StewardStore

/// Diagnostics kept apart from identity (promises MS-4, MS-5), as the privacy side sees them: a reference a person
/// quotes makes that record theirs, and the declared period folds the rest into daily counts that name no one.
public struct DiagnosticsService: Sendable {
    public let store: any DiagnosticsStore
    /// How long daily counts are kept (13 months: a year-on-year comparison); the raw period is the declaration's
    /// `user.diagnostics` rule (`P14D`).
    public static let dailyPeriod = "P13M"
    /// The declared category of diagnostic records.
    public static let category = "user.diagnostics"

    public init(store: any DiagnosticsStore) {
        self.store = store
    }

    /// Links every record quoted in `text` (`d-` and 10 base32 characters) to `user`; returns the references that
    /// exist. Only call it for a person whose identity is proven (a session, a confirmed mail link): a record names
    /// its network and browser, which must not be handed to whoever types someone else's address into a form.
    @discardableResult
    public func link(quotedIn text: String, to user: UserID, at time: Int64) async throws -> [String] {
        let references = DiagnosticReference.find(in: text)
        guard !references.isEmpty else { return [] }
        return try await store.linkDiagnostics(references, to: user, at: time)
    }

    /// One bounded retention step: folds at most `limit` unlinked records older than `cutoff` into daily counts, then
    /// deletes at most `limit` daily rows of days before `dailyBefore`. `affected` is both together, `more` says
    /// either stopped at its limit, `oldest` is the oldest record a fold could still take. Linked records stay: they
    /// are the linking person's data and go with their account. A dry run counts and changes nothing.
    public func expire(before cutoff: Int64, dailyBefore: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        let folded = try await store.foldDiagnostics(before: cutoff, limit: limit, dryRun: dryRun)
        let days = try await store.expireDiagnosticDays(before: dailyBefore, limit: limit, dryRun: dryRun)
        return RetentionStep(affected: folded.affected + days.affected, more: folded.more || days.more, oldest: folded.oldest)
    }

    /// The cutoffs for a run at `now` under `rawPeriod` (the declared `user.diagnostics` period), or nil when the
    /// period is not a duration.
    public static func cutoffs(rawPeriod: String, now: Int64) -> (raw: Int64, daily: Int64)? {
        guard let raw = Durations.cutoff(rawPeriod, now: now), let daily = Durations.cutoff(dailyPeriod, now: now) else { return nil }
        return (raw, daily)
    }
}
