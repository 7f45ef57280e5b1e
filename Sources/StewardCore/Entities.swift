import Foundation

/// The role a user acts in. Raw values are ThingsBoard's `authority` strings.
public enum Authority: String, Sendable, Codable, CaseIterable {
    case systemAdmin = "SYS_ADMIN"
    case tenantAdmin = "TENANT_ADMIN"
    case customerUser = "CUSTOMER_USER"

    /// Accepts the CLI spelling (`tenant-admin`) as well as the wire spelling (`TENANT_ADMIN`).
    public init?(flexible text: String) {
        let normalized = text.uppercased().replacingOccurrences(of: "-", with: "_")
        switch normalized {
        case "SYS_ADMIN", "SYSTEM_ADMIN": self = .systemAdmin
        case "TENANT_ADMIN": self = .tenantAdmin
        case "CUSTOMER_USER", "CUSTOMER": self = .customerUser
        default: return nil
        }
    }
}

public struct Tenant: Sendable, Equatable, Codable {
    public var id: TenantID
    public var name: String
    public var createdTime: Int64

    public init(id: TenantID = TenantID(), name: String, createdTime: Int64) {
        self.id = id
        self.name = name
        self.createdTime = createdTime
    }
}

public struct Customer: Sendable, Equatable, Codable {
    public var id: CustomerID
    public var tenantID: TenantID
    public var name: String
    public var createdTime: Int64

    public init(id: CustomerID = CustomerID(), tenantID: TenantID, name: String, createdTime: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.createdTime = createdTime
    }
}

public struct User: Sendable, Equatable, Codable {
    public var id: UserID
    /// Nil only for the system administrator, who belongs to no tenant.
    public var tenantID: TenantID?
    public var customerID: CustomerID?
    public var email: String
    public var authority: Authority
    public var firstName: String?
    public var lastName: String?
    public var createdTime: Int64

    public init(
        id: UserID = UserID(), tenantID: TenantID?, customerID: CustomerID?, email: String, authority: Authority,
        firstName: String? = nil, lastName: String? = nil, createdTime: Int64
    ) {
        self.id = id
        self.tenantID = tenantID
        self.customerID = customerID
        self.email = email
        self.authority = authority
        self.firstName = firstName
        self.lastName = lastName
        self.createdTime = createdTime
    }
}

public struct Device: Sendable, Equatable, Codable {
    public var id: DeviceID
    public var tenantID: TenantID
    public var customerID: CustomerID?
    public var profileID: DeviceProfileID?
    public var name: String
    public var type: String
    public var label: String?
    public var isGateway: Bool
    public var accessToken: String
    public var createdTime: Int64

    public init(
        id: DeviceID = DeviceID(), tenantID: TenantID, customerID: CustomerID? = nil, profileID: DeviceProfileID? = nil,
        name: String, type: String = "default", label: String? = nil, isGateway: Bool = false, accessToken: String,
        createdTime: Int64
    ) {
        self.id = id
        self.tenantID = tenantID
        self.customerID = customerID
        self.profileID = profileID
        self.name = name
        self.type = type
        self.label = label
        self.isGateway = isGateway
        self.accessToken = accessToken
        self.createdTime = createdTime
    }
}

/// How a device profile lets unknown devices provision themselves.
public enum ProvisionStrategy: String, Sendable, Codable {
    /// Anyone holding the key and secret may create a new device (ThingsBoard `ALLOW_CREATE_NEW_DEVICES`).
    case allowCreateNewDevices = "ALLOW_CREATE_NEW_DEVICES"
    /// Only devices created beforehand under the profile may fetch their credentials (`CHECK_PRE_PROVISIONED_DEVICES`).
    case checkPreProvisionedDevices = "CHECK_PRE_PROVISIONED_DEVICES"

    public init?(flexible text: String) {
        switch text.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "allow-create", "allow-create-new-devices": self = .allowCreateNewDevices
        case "check-pre-provisioned", "check-pre-provisioned-devices": self = .checkPreProvisionedDevices
        default: return nil
        }
    }
}

/// A kind of device: what ThingsBoard users set on a profile that Steward keeps. The name is fixed once created,
/// because the privacy declaration classifies telemetry keys by profile name (`TelemetryMapping`); the default
/// TTL is the profile's storage TTL (`StorageTTL`, also set by `steward retention ttl --profile`), one column.
public struct DeviceProfile: Sendable, Equatable, Codable {
    /// ThingsBoard's default inactivity timeout (`state.defaultInactivityTimeoutInSec`), in seconds.
    public static let defaultInactivityTimeout: Int64 = 600

    public var id: DeviceProfileID
    public var tenantID: TenantID
    public var name: String
    public var description: String?
    /// Seconds without activity after which a device of this profile counts as inactive.
    public var inactivityTimeout: Int64
    /// The tenant's default profile: devices created without a profile get it. One per tenant.
    public var isDefault: Bool
    /// How long readings of this profile's devices are kept, in seconds (nil: as the declaration says).
    public var storageTTL: Int64?
    public var provisionKey: String?
    public var provisionSecret: String?
    public var provisionStrategy: ProvisionStrategy?
    public var createdTime: Int64

    public init(
        id: DeviceProfileID = DeviceProfileID(), tenantID: TenantID, name: String, description: String? = nil,
        inactivityTimeout: Int64 = DeviceProfile.defaultInactivityTimeout, isDefault: Bool = false,
        storageTTL: Int64? = nil, provisionKey: String? = nil, provisionSecret: String? = nil,
        provisionStrategy: ProvisionStrategy? = nil, createdTime: Int64
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.inactivityTimeout = inactivityTimeout
        self.isDefault = isDefault
        self.storageTTL = storageTTL
        self.provisionKey = provisionKey
        self.provisionSecret = provisionSecret
        self.provisionStrategy = provisionStrategy
        self.createdTime = createdTime
    }
}
