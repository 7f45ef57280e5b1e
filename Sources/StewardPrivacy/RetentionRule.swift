/// How long one category is kept and what happens then (Art. 13(2)(a); promise MB-14).
public struct RetentionRule: Sendable, Equatable {
    /// What happens when the period ends.
    public enum Outcome: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
        case delete
        case anonymize
        case aggregate
    }

    /// The category key; a rule on a parent covers its children unless a child has its own rule.
    public var category: String
    /// An ISO 8601 duration (`P30D`, `P2Y`) or `account-lifetime` (kept until the account is deleted).
    public var period: String
    public var then: Outcome
    /// A legal duty that keeps the data past an erasure request, and says so (Art. 17(3)).
    public var legalHold: String?
    /// For `aggregate` readings: how long hourly totals per device and key are kept, and daily totals, counted from
    /// the readings' time (ISO 8601 durations, `period <= hourlyUntil <= dailyUntil`). Without them only the
    /// tenant's daily statistics, with no device, are kept.
    public var hourlyUntil: String?
    public var dailyUntil: String?

    public init(
        category: String, period: String, then: Outcome, legalHold: String? = nil, hourlyUntil: String? = nil, dailyUntil: String? = nil
    ) {
        self.category = category
        self.period = period
        self.then = then
        self.legalHold = legalHold
        self.hourlyUntil = hourlyUntil
        self.dailyUntil = dailyUntil
    }

    /// What happens when the period ends, in the policy's words.
    public var outcomeWords: String {
        guard then == .aggregate, let hourlyUntil, let dailyUntil else { return then.rawValue }
        return "aggregate (hourly totals per device kept until \(Durations.words(hourlyUntil)), daily totals until \(Durations.words(dailyUntil)))"
    }
}
