import Foundation
import StewardCore
import StewardStore

/// Creating tenants, customers and users with their invariants: names present and unique, a default device
/// profile per tenant, passwords validated and hashed. The CLI and the REST API both go through it.
public struct AccountService: Sendable {
    public let accounts: any AccountStore
    public let devices: any DeviceStore
    public let hasher: PasswordHasher

    public init(accounts: any AccountStore, devices: any DeviceStore, hasher: PasswordHasher) {
        self.accounts = accounts
        self.devices = devices
        self.hasher = hasher
    }

    /// Every tenant (the system administrator's view).
    public func tenants() async throws -> [Tenant] {
        try await accounts.tenants()
    }

    public func tenant(id: TenantID) async throws -> Tenant? {
        try await accounts.tenant(id: id)
    }

    public func tenant(named name: String) async throws -> Tenant? {
        try await accounts.tenant(named: name)
    }

    public func customers(tenant: TenantID) async throws -> [Customer] {
        try await accounts.customers(tenant: tenant)
    }

    public func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? {
        try await accounts.customer(tenant: tenant, id: id)
    }

    public func customer(tenant: TenantID, named name: String) async throws -> Customer? {
        try await accounts.customer(tenant: tenant, named: name)
    }

    /// The account with this email address (any letter case), or nil.
    public func user(email: String) async throws -> User? {
        try await accounts.credentials(email: email.trimmingCharacters(in: .whitespaces).lowercased())?.user
    }

    public func user(id: UserID) async throws -> User? {
        try await accounts.user(id: id)
    }

    public func createTenant(name: String) async throws -> Tenant {
        let name = try Self.validName(name, what: "Tenant name")
        if try await accounts.tenant(named: name) != nil {
            throw StewardError.conflict("A tenant named '\(name)' already exists")
        }
        let tenant = Tenant(name: name, createdTime: WallClock.nowMillis())
        try await accounts.createTenant(tenant)
        try await devices.createProfile(
            DeviceProfile(tenantID: tenant.id, name: "default", isDefault: true, createdTime: tenant.createdTime))
        return tenant
    }

    public func createCustomer(tenant: TenantID, name: String) async throws -> Customer {
        let name = try Self.validName(name, what: "Customer name")
        if try await accounts.customer(tenant: tenant, named: name) != nil {
            throw StewardError.conflict("A customer named '\(name)' already exists in this tenant")
        }
        let customer = Customer(tenantID: tenant, name: name, createdTime: WallClock.nowMillis())
        try await accounts.createCustomer(customer)
        return customer
    }

    public func createUser(
        email: String, password: String, authority: Authority, tenant: TenantID?, customer: CustomerID?
    ) async throws -> User {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard Self.looksLikeEmail(email) else { throw StewardError.badRequest("'\(email)' is not a valid email address") }
        try hasher.validate(password)
        switch authority {
        case .systemAdmin:
            guard tenant == nil else { throw StewardError.badRequest("A system administrator belongs to no tenant") }
        case .tenantAdmin:
            guard tenant != nil else { throw StewardError.badRequest("A tenant administrator needs a tenant") }
        case .customerUser:
            guard tenant != nil, customer != nil else { throw StewardError.badRequest("A customer user needs a tenant and a customer") }
        }
        if try await accounts.credentials(email: email) != nil {
            throw StewardError.conflict("A user with email '\(email)' already exists")
        }
        let user = User(
            tenantID: tenant, customerID: authority == .customerUser ? customer : nil, email: email, authority: authority,
            createdTime: WallClock.nowMillis())
        try await accounts.createUser(user, passwordHash: await hasher.hash(password))
        return user
    }

    static func validName(_ name: String, what: String) throws(StewardError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { throw .badRequest("\(what) must not be empty") }
        if trimmed.count > 255 { throw .badRequest("\(what) is longer than 255 characters") }
        return trimmed
    }

    static func looksLikeEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && email.count <= 254 && !email.contains(where: \.isWhitespace)
    }
}
