import StewardCore
import StewardStore

/// Who is asking, as far as visibility goes: their role and where they belong. Transports build it from their
/// authenticated principal (REST, console) and hand it to `ScopeService`.
public struct Scope: Sendable, Equatable {
    public var user: UserID
    public var authority: Authority
    public var tenant: TenantID?
    public var customer: CustomerID?

    public init(user: UserID, authority: Authority, tenant: TenantID?, customer: CustomerID?) {
        self.user = user
        self.authority = authority
        self.tenant = tenant
        self.customer = customer
    }
}

/// The one answer to "what may this principal see", for devices, users and audit entries: a system administrator
/// sees every tenant's audit trail but owns no devices; a tenant administrator sees their tenant; a customer user
/// sees their customer's devices and the audit entries about themselves. A single item outside the scope is
/// "not found", so its existence is not revealed; a whole list outside it is "forbidden".
public struct ScopeService: Sendable {
    let devices: any DeviceStore
    let accounts: any AccountStore
    let identity: any IdentityStore

    public init(devices: any DeviceStore, accounts: any AccountStore, identity: any IdentityStore) {
        self.devices = devices
        self.accounts = accounts
        self.identity = identity
    }

    static let forbidden = StewardError.forbidden("You don't have permission to perform this operation!")

    /// The tenant a tenant administrator or customer user acts in; the system administrator owns no devices.
    public func tenant(_ scope: Scope) throws(StewardError) -> TenantID {
        guard let tenant = scope.tenant else { throw Self.forbidden }
        return tenant
    }

    /// The tenant, when the caller administers it.
    public func administeredTenant(_ scope: Scope) throws(StewardError) -> TenantID {
        guard scope.authority == .tenantAdmin, let tenant = scope.tenant else { throw Self.forbidden }
        return tenant
    }

    // MARK: Devices

    /// Whether the caller may see this device: it is in their tenant and, for a customer user, their customer's.
    public func maySee(_ scope: Scope, _ device: Device) -> Bool {
        guard device.tenantID == scope.tenant else { return false }
        return scope.authority != .customerUser || device.customerID == scope.customer
    }

    /// A device the caller may see, by id text; anything else (a bad id, another tenant's) is "not found".
    public func device(_ scope: Scope, id idText: String) async throws -> Device {
        let tenant = try tenant(scope)
        guard let id = DeviceID(idText), let device = try await devices.device(tenant: tenant, id: id), maySee(scope, device)
        else { throw StewardError.notFound("Device with id [\(idText)] is not found") }
        return device
    }

    /// A device the caller may see, by name.
    public func device(_ scope: Scope, named name: String) async throws -> Device? {
        guard let device = try await devices.device(tenant: try tenant(scope), named: name), maySee(scope, device) else {
            return nil
        }
        return device
    }

    /// A page of the devices the caller may see: a tenant administrator's whole tenant (or one customer's), a customer
    /// user's customer. Asking for another customer is "not found".
    public func devices(
        _ scope: Scope, customer: CustomerID? = nil, textSearch: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int) {
        let tenant = try tenant(scope)
        var filter = customer
        switch scope.authority {
        case .systemAdmin:
            throw Self.forbidden
        case .tenantAdmin:
            if let customer, try await accounts.customer(tenant: tenant, id: customer) == nil {
                throw StewardError.notFound("Customer is not found")
            }
        case .customerUser:
            guard customer == nil || customer == scope.customer, let own = scope.customer else {
                throw StewardError.notFound("Customer is not found")
            }
            filter = own
        }
        let page = try await devices.devices(tenant: tenant, customer: filter, textSearch: textSearch, limit: limit, offset: offset)
        let total = try await devices.deviceCount(tenant: tenant, customer: filter, textSearch: textSearch)
        return (page, total)
    }

    // MARK: Users

    /// The users of the caller's tenant: tenant administrators only.
    public func users(_ scope: Scope) async throws -> [User] {
        try await accounts.users(tenant: try administeredTenant(scope))
    }

    /// A user the caller may see: anyone for the system administrator, anyone of their tenant for a tenant
    /// administrator, themselves for everyone. Else "not found".
    public func user(_ scope: Scope, id: UserID) async throws -> User {
        let user: User?
        switch scope.authority {
        case .systemAdmin:
            user = try await accounts.user(id: id)
        case .tenantAdmin:
            user = try await accounts.user(tenant: try tenant(scope), id: id)
        case .customerUser:
            user = id == scope.user ? try await accounts.user(id: id) : nil
        }
        guard let user else { throw StewardError.notFound("User is not found") }
        return user
    }

    // MARK: Audit

    /// The audit trail the caller may read: every tenant's for the system administrator, their tenant's for a tenant
    /// administrator; customer users have none (they read `ownAuditEntries`).
    public func auditEntries(_ scope: Scope, event: String?, limit: Int) async throws -> [AuditEntry] {
        switch scope.authority {
        case .systemAdmin:
            return try await identity.auditEntries(tenant: nil, subject: nil, event: event, limit: limit)
        case .tenantAdmin:
            return try await identity.auditEntries(tenant: try tenant(scope), subject: nil, event: event, limit: limit)
        case .customerUser:
            throw Self.forbidden
        }
    }

    /// The entries about the caller themselves (including who read their data), whatever their role.
    public func ownAuditEntries(_ scope: Scope, event: String? = nil, limit: Int) async throws -> [AuditEntry] {
        try await identity.auditEntries(tenant: nil, subject: scope.user, event: event, limit: limit)
    }
}
