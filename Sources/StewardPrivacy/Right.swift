/// A right and the page where a signed-in person exercises it (Art. 13(2)(b)–(d)).
public struct Right: Sendable, Equatable {
    public enum Key: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
        case access
        case rectification
        case erasure
        case restriction
        case portability
        case objection
        case withdrawConsent = "withdraw-consent"
        case complaint
        case automatedDecisions = "automated-decisions"

        /// The heading the policy gives the right.
        public var title: String {
            switch self {
            case .access: return "Right of access (Art. 15)"
            case .rectification: return "Right to rectification (Art. 16)"
            case .erasure: return "Right to erasure (Art. 17)"
            case .restriction: return "Right to restriction of processing (Art. 18)"
            case .portability: return "Right to data portability (Art. 20)"
            case .objection: return "Right to object (Art. 21)"
            case .withdrawConsent: return "Right to withdraw consent (Art. 7(3))"
            case .complaint: return "Right to lodge a complaint (Art. 77)"
            case .automatedDecisions: return "Rights about automated decisions (Art. 22)"
            }
        }

        /// The HTML id of the right's section.
        public var anchor: String { "right-\(rawValue)" }
    }

    public var key: Key
    /// A path under `/account/`.
    public var page: String

    public init(key: Key, page: String) {
        self.key = key
        self.page = page
    }
}
