/// One cookie the site may set, as the banner and the cookie table show it (ePrivacy Art. 5(3); promise MB-10).
public struct Cookie: Sendable, Equatable {
    /// The banner's groups; only `necessary` is set without consent.
    public enum Category: String, Sendable, Equatable, CaseIterable, DeclarationEnum {
        case necessary
        case preferences
        case analytics
        case marketing
    }

    public var name: String
    public var category: Category
    /// The purpose key the cookie serves.
    public var purpose: String
    /// An ISO 8601 duration (`P6M`) or `session` (gone when the browser closes).
    public var lifetime: String
    public var description: String

    public init(name: String, category: Category, purpose: String, lifetime: String, description: String) {
        self.name = name
        self.category = category
        self.purpose = purpose
        self.lifetime = lifetime
        self.description = description
    }
}
