/// The age of digital consent by jurisdiction (GDPR Art. 8 lets member states set 13 to 16; COPPA sets 13 in
/// the US). A person below it needs a parent's verified consent before the account opens.
public enum AgeGate {
    public struct Jurisdiction: Sendable, Equatable {
        public var code: String
        public var name: String
        public var ageOfConsent: Int
    }

    /// 16 wherever the law does not set a lower age.
    public static let defaultAge = 16

    public static let jurisdictions: [Jurisdiction] = [
        .init(code: "AT", name: "Austria", ageOfConsent: 14), .init(code: "BE", name: "Belgium", ageOfConsent: 13),
        .init(code: "BG", name: "Bulgaria", ageOfConsent: 14), .init(code: "HR", name: "Croatia", ageOfConsent: 16),
        .init(code: "CY", name: "Cyprus", ageOfConsent: 14), .init(code: "CZ", name: "Czechia", ageOfConsent: 15),
        .init(code: "DK", name: "Denmark", ageOfConsent: 13), .init(code: "EE", name: "Estonia", ageOfConsent: 13),
        .init(code: "FI", name: "Finland", ageOfConsent: 13), .init(code: "FR", name: "France", ageOfConsent: 15),
        .init(code: "DE", name: "Germany", ageOfConsent: 16), .init(code: "GR", name: "Greece", ageOfConsent: 15),
        .init(code: "HU", name: "Hungary", ageOfConsent: 16), .init(code: "IE", name: "Ireland", ageOfConsent: 16),
        .init(code: "IT", name: "Italy", ageOfConsent: 14), .init(code: "LV", name: "Latvia", ageOfConsent: 13),
        .init(code: "LT", name: "Lithuania", ageOfConsent: 14), .init(code: "LU", name: "Luxembourg", ageOfConsent: 16),
        .init(code: "MT", name: "Malta", ageOfConsent: 13), .init(code: "NL", name: "Netherlands", ageOfConsent: 16),
        .init(code: "PL", name: "Poland", ageOfConsent: 16), .init(code: "PT", name: "Portugal", ageOfConsent: 13),
        .init(code: "RO", name: "Romania", ageOfConsent: 16), .init(code: "SK", name: "Slovakia", ageOfConsent: 16),
        .init(code: "SI", name: "Slovenia", ageOfConsent: 15), .init(code: "ES", name: "Spain", ageOfConsent: 14),
        .init(code: "SE", name: "Sweden", ageOfConsent: 13), .init(code: "GB", name: "United Kingdom", ageOfConsent: 13),
        .init(code: "CN", name: "China", ageOfConsent: 14),
        .init(code: "US", name: "United States", ageOfConsent: 13), .init(code: "OTHER", name: "Another country", ageOfConsent: 16),
    ]

    public static func jurisdiction(_ code: String) -> Jurisdiction? {
        jurisdictions.first { $0.code == code.uppercased() }
    }
}
