import StewardCore

/// Tenants, customers and users. Every read of tenant-owned data takes the tenant, so a caller cannot
/// forget to scope a query.
public protocol AccountStore: Sendable {
    func createTenant(_ tenant: Tenant) async throws
    func tenants() async throws -> [Tenant]
    func tenant(id: TenantID) async throws -> Tenant?
    func tenant(named name: String) async throws -> Tenant?
    func deleteTenant(id: TenantID) async throws -> Bool
    /// Renames a workspace; throws not-found for an unknown tenant and fails (unique names) when another tenant has
    /// the name already.
    func renameTenant(id: TenantID, name: String) async throws

    func createCustomer(_ customer: Customer) async throws
    func customers(tenant: TenantID) async throws -> [Customer]
    func customer(tenant: TenantID, id: CustomerID) async throws -> Customer?
    func customer(tenant: TenantID, named name: String) async throws -> Customer?
    /// Renames the tenant's customer; throws not-found when the tenant has no such customer.
    func renameCustomer(tenant: TenantID, id: CustomerID, name: String) async throws
    /// Deletes the customer in one transaction: its devices stay with the tenant, unassigned. Its users must be gone
    /// first (`AccountService` refuses while it has any, so each is erased as a person, with their data).
    func deleteCustomer(tenant: TenantID, id: CustomerID) async throws -> Bool

    func createUser(_ user: User, passwordHash: String) async throws
    func user(id: UserID) async throws -> User?
    func user(tenant: TenantID, id: UserID) async throws -> User?
    func users(tenant: TenantID) async throws -> [User]
    /// The user and the stored password hash, for sign-in.
    func credentials(email: String) async throws -> (user: User, passwordHash: String)?
    func userCount() async throws -> Int
}
