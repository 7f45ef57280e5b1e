import Foundation
import StewardCore
import StewardStore

/// A customer with what hangs on it, for the console's list.
public struct CustomerSummary: Sendable {
    public var customer: Customer
    public var devices: Int
    public var users: Int
}

/// Customers beyond creation (issue 15): renaming, their users, inviting one, deleting a customer. The rules: a
/// customer's name is present and unique in its tenant; a customer user belongs to exactly one customer of the
/// tenant; a customer with users cannot be deleted (each is a person whose data goes through erasure, not a side
/// effect); deleting a customer leaves its devices with the tenant, unassigned.
extension AccountService {
    /// The tenant's customer, or not-found (another tenant's id is not found too).
    public func requireCustomer(tenant: TenantID, id: CustomerID) async throws -> Customer {
        guard let customer = try await accounts.customer(tenant: tenant, id: id) else {
            throw StewardError.notFound("Customer with id [\(id)] is not found")
        }
        return customer
    }

    /// Every customer of the tenant with its device and user counts, by name.
    public func customerSummaries(tenant: TenantID) async throws -> [CustomerSummary] {
        let users = try await accounts.users(tenant: tenant)
        var summaries: [CustomerSummary] = []
        for customer in try await accounts.customers(tenant: tenant) {
            let devices = try await devices.deviceCount(tenant: tenant, customer: customer.id, textSearch: nil)
            summaries.append(
                CustomerSummary(customer: customer, devices: devices, users: users.filter { $0.customerID == customer.id }.count))
        }
        return summaries.sorted { $0.customer.name.lowercased() < $1.customer.name.lowercased() }
    }

    public func renameCustomer(tenant: TenantID, id: CustomerID, name: String) async throws -> Customer {
        var customer = try await requireCustomer(tenant: tenant, id: id)
        let name = try Self.validName(name, what: "Customer name")
        if let other = try await accounts.customer(tenant: tenant, named: name), other.id != id {
            throw StewardError.conflict("A customer named '\(name)' already exists in this tenant")
        }
        try await accounts.renameCustomer(tenant: tenant, id: id, name: name)
        customer.name = name
        return customer
    }

    /// Renames a workspace (its tenant administrator's "Workspace name"): present, at most 255 characters, and not
    /// the name of another workspace on this server (names are unique so the system administrator can tell them apart).
    public func renameTenant(_ id: TenantID, name: String) async throws -> Tenant {
        guard var tenant = try await accounts.tenant(id: id) else { throw StewardError.notFound("There is no such workspace") }
        let name = try Self.validName(name, what: "Workspace name")
        if let other = try await accounts.tenant(named: name), other.id != id {
            throw StewardError.conflict("Another workspace on this server is already named '\(name)'; choose another name")
        }
        try await accounts.renameTenant(id: id, name: name)
        tenant.name = name
        return tenant
    }

    /// The customer's users, by email.
    public func customerUsers(tenant: TenantID, customer: CustomerID) async throws -> [User] {
        try await accounts.users(tenant: tenant).filter { $0.customerID == customer && $0.authority == .customerUser }
            .sorted { $0.email < $1.email }
    }

    /// One of the customer's users, or not-found.
    public func customerUser(tenant: TenantID, customer: CustomerID, id: UserID) async throws -> User {
        guard let user = try await accounts.user(tenant: tenant, id: id), user.customerID == customer else {
            throw StewardError.notFound("This customer has no such user")
        }
        return user
    }

    /// Creates a customer user with a random password nobody knows: they choose their own through the
    /// set-password link the caller then sends (`PasswordResetService.requestReset`).
    public func inviteCustomerUser(tenant: TenantID, customer: CustomerID, email: String) async throws -> User {
        _ = try await requireCustomer(tenant: tenant, id: customer)
        return try await createUser(
            email: email, password: Secrets.token(bytes: 24), authority: .customerUser, tenant: tenant, customer: customer)
    }

    /// Deletes a customer without users; answers how many devices it left unassigned.
    public func deleteCustomer(tenant: TenantID, id: CustomerID) async throws -> Int {
        let customer = try await requireCustomer(tenant: tenant, id: id)
        let users = try await customerUsers(tenant: tenant, customer: id).count
        if users > 0 {
            throw StewardError.badRequest(
                "\(customer.name) still has \(users) user\(users == 1 ? "" : "s"); remove \(users == 1 ? "it" : "them") first "
                    + "(removing a user erases their account and personal data)")
        }
        let devices = try await devices.deviceCount(tenant: tenant, customer: id, textSearch: nil)
        _ = try await accounts.deleteCustomer(tenant: tenant, id: id)
        return devices
    }
}
