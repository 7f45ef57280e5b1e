/// One entry of the policy's dated change log (promises TB-1, TM-18, MS-23).
public struct PolicyChange: Sendable, Equatable {
    public var version: String
    /// `YYYY-MM-DD`.
    public var date: String
    /// A material change is mailed to every account holder and asks consent-based purposes again.
    public var material: Bool
    public var summary: String
    /// The change takes away or narrows a right; refused unless `acceptedByExplicitConsent`.
    public var narrowsRights: Bool
    public var acceptedByExplicitConsent: Bool

    public init(
        version: String, date: String, material: Bool, summary: String, narrowsRights: Bool = false,
        acceptedByExplicitConsent: Bool = false
    ) {
        self.version = version
        self.date = date
        self.material = material
        self.summary = summary
        self.narrowsRights = narrowsRights
        self.acceptedByExplicitConsent = acceptedByExplicitConsent
    }
}
