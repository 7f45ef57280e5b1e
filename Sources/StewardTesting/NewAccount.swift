import StewardCore
import StewardStore

/// The changes that create an open account as sign-up leaves it (its own tenant unless one is given), for tests that
/// start after sign-up: one builder for the store contract and the service tests alike.
public enum NewAccount {
    public static func changes(
        email: String, passwordHash: String, authority: Authority = .tenantAdmin, tenant: TenantID? = nil,
        details: AccountDetails, createdTime: Int64
    ) -> (user: User, changes: [IdentityChange]) {
        var changes: [IdentityChange] = []
        let tenantID: TenantID
        if let tenant {
            tenantID = tenant
        } else {
            let created = Tenant(name: "Tenant of \(email)", createdTime: createdTime)
            changes.append(.createTenant(created))
            tenantID = created.id
        }
        let user = User(tenantID: tenantID, customerID: nil, email: email, authority: authority, firstName: "Test", createdTime: createdTime)
        changes.append(.createUser(user, passwordHash: passwordHash, details: details))
        return (user, changes)
    }
}
