/// The six lawful bases of GDPR Art. 6(1).
///
/// YAML spells them in kebab case (`legal-obligation`); the camel-case Swift names (`legalObligation`) are
/// accepted too, since both appear in the wild.
public enum LegalBasis: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
    case consent
    case contract
    case legalObligation = "legal-obligation"
    case vitalInterests = "vital-interests"
    case publicInterest = "public-interest"
    case legitimateInterests = "legitimate-interests"

    /// How the published policy names the basis, with its article.
    public var title: String {
        switch self {
        case .consent: return "Consent (Art. 6(1)(a))"
        case .contract: return "Contract (Art. 6(1)(b))"
        case .legalObligation: return "Legal obligation (Art. 6(1)(c))"
        case .vitalInterests: return "Vital interests (Art. 6(1)(d))"
        case .publicInterest: return "Public interest (Art. 6(1)(e))"
        case .legitimateInterests: return "Legitimate interests (Art. 6(1)(f))"
        }
    }
}

/// Why data is processed: the unit the purpose check enforces (promise MB-1) and the policy lists (TB-6).
public struct Purpose: Sendable, Equatable {
    public var key: String
    public var name: String
    public var description: String
    public var legalBasis: LegalBasis
    /// The interest weighed, required when the basis is legitimate interests (Art. 13(1)(d)).
    public var legitimateInterest: String?
    public var categories: [String]
    public var subjects: [String]
    /// True exactly when the basis is consent: processing waits for a recorded consent.
    public var needsConsent: Bool
    /// A `Sec-GPC: 1` request switches the purpose off for that browser and account.
    public var offByGPC: Bool
    /// A `DNT: 1` request switches the purpose off, like GPC.
    public var offByDNT: Bool
    /// The service works without it; the person may refuse it.
    public var optional: Bool

    public init(
        key: String, name: String, description: String, legalBasis: LegalBasis, legitimateInterest: String? = nil,
        categories: [String], subjects: [String], needsConsent: Bool = false, offByGPC: Bool = false,
        offByDNT: Bool = false, optional: Bool = false
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.legalBasis = legalBasis
        self.legitimateInterest = legitimateInterest
        self.categories = categories
        self.subjects = subjects
        self.needsConsent = needsConsent
        self.offByGPC = offByGPC
        self.offByDNT = offByDNT
        self.optional = optional
    }
}
