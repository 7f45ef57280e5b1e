import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL AccountStore is written; every one fails loudly.
extension PostgresStore: AccountStore {
    public func createTenant(_ tenant: Tenant) async throws { throw Unbuilt.error(#function) }
    public func tenants() async throws -> [Tenant] { throw Unbuilt.error(#function) }
    public func tenant(id: TenantID) async throws -> Tenant? { throw Unbuilt.error(#function) }
    public func tenant(named name: String) async throws -> Tenant? { throw Unbuilt.error(#function) }
    public func deleteTenant(id: TenantID) async throws -> Bool { throw Unbuilt.error(#function) }
    public func createCustomer(_ customer: Customer) async throws { throw Unbuilt.error(#function) }
    public func customers(tenant: TenantID) async throws -> [Customer] { throw Unbuilt.error(#function) }
    public func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? { throw Unbuilt.error(#function) }
    public func customer(tenant: TenantID, named name: String) async throws -> Customer? { throw Unbuilt.error(#function) }
    public func createUser(_ user: User, passwordHash: String) async throws { throw Unbuilt.error(#function) }
    public func user(id: UserID) async throws -> User? { throw Unbuilt.error(#function) }
    public func user(tenant: TenantID, id: UserID) async throws -> User? { throw Unbuilt.error(#function) }
    public func users(tenant: TenantID) async throws -> [User] { throw Unbuilt.error(#function) }
    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? { throw Unbuilt.error(#function) }
    public func userCount() async throws -> Int { throw Unbuilt.error(#function) }
}
