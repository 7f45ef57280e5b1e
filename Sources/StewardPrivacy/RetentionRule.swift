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

    public init(category: String, period: String, then: Outcome, legalHold: String? = nil) {
        self.category = category
        self.period = period
        self.then = then
        self.legalHold = legalHold
    }
}
