import StewardCore
import StewardStore

/// Whose requests, complaints and disclosures a member of staff handles (promise TB-4). The operator's system
/// administrators see everything; a tenant administrator sees what concerns the other people of their own tenant.
/// Not their own: someone who signed up has a tenant of their own and administers it, and a person never handles
/// their own request, so those go to the operator. Customer users handle nothing.
public enum StaffScope: Sendable, Equatable {
    case all
    case tenant(TenantID, viewer: UserID)

    public init(viewer: User) throws(StewardError) {
        switch viewer.authority {
        case .systemAdmin:
            self = .all
        case .tenantAdmin:
            guard let tenant = viewer.tenantID else { throw .forbidden("This administrator belongs to no tenant") }
            self = .tenant(tenant, viewer: viewer.id)
        case .customerUser:
            throw .forbidden("Only administrators handle requests about personal data; yours are under My Account")
        }
    }

    /// The tenant to read for, nil for every tenant.
    public var tenant: TenantID? {
        if case .tenant(let tenant, _) = self { return tenant }
        return nil
    }

    /// True when the record (of `tenant`, about `user`) is this viewer's to handle.
    public func covers(tenant recordTenant: TenantID?, user: UserID?) -> Bool {
        switch self {
        case .all: return true
        case .tenant(let tenant, let viewer): return recordTenant == tenant && user != viewer
        }
    }
}
