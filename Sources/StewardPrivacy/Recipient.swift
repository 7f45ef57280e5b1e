/// Who receives data: subprocessors, other controllers, authorities (promises TB-7, TM-7).
public struct Recipient: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
        case processor
        case controller
        case authority
    }

    public var name: String
    public var kind: Kind
    public var purposes: [String]
    public var categories: [String]
    /// ISO 3166-1 alpha-2 country code, or `EU` / `EEA`.
    public var location: String
    /// Adequacy decision, SCCs, BCRs…; required when the location is outside the EU/EEA (Art. 46).
    public var transferSafeguard: String?

    public init(
        name: String, kind: Kind, purposes: [String], categories: [String], location: String,
        transferSafeguard: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.purposes = purposes
        self.categories = categories
        self.location = location
        self.transferSafeguard = transferSafeguard
    }

    /// True when sending data there is a third-country transfer (GDPR Chapter V).
    public var isThirdCountry: Bool { !Regions.isEEA(location) }
}

/// The EU/EEA membership test used for transfers.
public enum Regions {
    /// EU member states plus Iceland, Liechtenstein and Norway.
    public static let eea: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    ]

    public static func isEEA(_ location: String) -> Bool {
        let code = location.uppercased()
        return code == "EU" || code == "EEA" || eea.contains(code)
    }
}
