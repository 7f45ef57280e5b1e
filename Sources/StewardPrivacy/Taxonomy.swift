/// What the data is, as a fideslang-style dotted key (`user.contact.email`); parents cover their children.
public struct DataCategory: Sendable, Equatable {
    public var key: String
    public var name: String
    public var description: String
    /// Sensitive data is encrypted at rest and needs a declared retention rule (promise MS-6).
    public var sensitive: Bool

    public init(key: String, name: String, description: String, sensitive: Bool = false) {
        self.key = key
        self.name = name
        self.description = description
        self.sensitive = sensitive
    }
}

/// Whose data it is (account holder, device user, visitor…).
public struct DataSubject: Sendable, Equatable {
    public var key: String
    public var name: String
    public var description: String

    public init(key: String, name: String, description: String) {
        self.key = key
        self.name = name
        self.description = description
    }
}

/// Dotted-key helpers shared by the validator, the telemetry mapping and the purpose check.
public enum TaxonomyKey {
    /// True when `ancestor` is `key` itself or one of its dotted parents (`user.contact` covers
    /// `user.contact.email`, but not `user.contactless`).
    public static func isAncestor(_ ancestor: String, of key: String) -> Bool {
        guard !ancestor.isEmpty else { return false }
        return key == ancestor || key.hasPrefix(ancestor + ".")
    }
}
