/// The rules that apply to a person by where they live: request deadlines (GDPR Art. 12(3), CCPA §7021) and the
/// age of digital consent (GDPR Art. 8, COPPA).
public struct Jurisdiction: Sendable, Equatable {
    /// `GDPR`, `CCPA`, `OTHER` (everyone else) or an ISO country code for a country-specific rule.
    public var code: String
    public var name: String
    /// What `requestDeadline`, `extension` and `extensionNotice` count: calendar days, working days or months.
    public var deadlineUnit: DeadlineUnit
    /// Time to answer a request, in `deadlineUnit`s.
    public var requestDeadline: Int
    /// Further time the answer may take when the person is told why in time, in `deadlineUnit`s.
    public var `extension`: Int
    /// Time within which the person must be told of an extension, in `deadlineUnit`s; never later than the deadline.
    public var extensionNotice: Int
    /// Business days to confirm receipt (CCPA 10).
    public var acknowledgementBusinessDays: Int?
    /// Below this age an account needs a parent's verified consent.
    public var ageOfConsent: Int
    /// Age below which selling or sharing needs an opt-in (CCPA §1798.120(c): 16).
    public var saleOptInAge: Int?
    /// ISO country codes the rule covers; a country-coded jurisdiction covers itself.
    public var countries: [String]?

    public init(
        code: String, name: String, deadlineUnit: DeadlineUnit = .days, requestDeadline: Int, extension: Int,
        extensionNotice: Int, acknowledgementBusinessDays: Int? = nil, ageOfConsent: Int, saleOptInAge: Int? = nil,
        countries: [String]? = nil
    ) {
        self.code = code
        self.name = name
        self.deadlineUnit = deadlineUnit
        self.requestDeadline = requestDeadline
        self.extension = `extension`
        self.extensionNotice = extensionNotice
        self.acknowledgementBusinessDays = acknowledgementBusinessDays
        self.ageOfConsent = ageOfConsent
        self.saleOptInAge = saleOptInAge
        self.countries = countries
    }

    /// Every country this rule names (its own code when it is a country).
    public var coveredCountries: [String] {
        (countries ?? []) + (code.count == 2 ? [code] : [])
    }

    /// How request deadlines are counted. GDPR Art. 12(3) speaks of months, CCPA §7021 of calendar days, and some
    /// operators promise working days (Monday to Friday).
    public enum DeadlineUnit: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
        case days
        case workingDays = "working-days"
        case months

        /// `3 months`, `1 working day`…
        public func words(_ count: Int) -> String {
            switch self {
            case .days: return count == 1 ? "1 day" : "\(count) days"
            case .workingDays: return count == 1 ? "1 working day" : "\(count) working days"
            case .months: return count == 1 ? "1 month" : "\(count) months"
            }
        }
    }
}
