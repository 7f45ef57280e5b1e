import StewardCore
import StewardStore

/// What a caller may set on a device it creates or saves. Absent fields keep their value on save; on create they take
/// the defaults (type `default`, the tenant's default profile, a generated token).
public struct DeviceDraft: Sendable, Equatable {
    public var name: String
    public var type: String?
    public var label: String?
    public var isGateway: Bool?
    public var profile: DeviceProfileID?
    /// A token chosen by the caller; checked by `DeviceRules.checkToken`.
    public var accessToken: String?

    public init(
        name: String, type: String? = nil, label: String? = nil, isGateway: Bool? = nil, profile: DeviceProfileID? = nil,
        accessToken: String? = nil
    ) {
        self.name = name
        self.type = type
        self.label = label
        self.isGateway = isGateway
        self.profile = profile
        self.accessToken = accessToken
    }
}

/// Creating, changing and deleting devices, for every transport: REST, the console, the CLI and provisioning call
/// this, never the store, so a device follows the same rules (`DeviceRules`) whichever way it came in, and a
/// deletion or a new token ends the device's live sessions wherever they are (through the change log the store
/// writes in the same transaction, applied here at once and by the server's `DeviceChangeWatcher` when the change
/// came from another process).
///
/// Every method is scoped by tenant: a device of another tenant is "not found".
public struct DeviceManagement: Sendable {
    public let devices: any DeviceStore
    let accounts: (any AccountStore)?
    let people: (any PersonalDataStore)?
    /// Applies the change log in this process; nil where no process-local state follows devices.
    let changes: DeviceChangeWatcher?

    public init(
        devices: any DeviceStore, accounts: (any AccountStore)? = nil, people: (any PersonalDataStore)? = nil,
        changes: DeviceChangeWatcher? = nil
    ) {
        self.devices = devices
        self.accounts = accounts
        self.people = people
        self.changes = changes
    }

    // MARK: Creating and saving

    /// Creates a device under the rules: a valid name not taken in the tenant, a valid token not taken anywhere.
    public func create(tenant: TenantID, _ draft: DeviceDraft) async throws -> Device {
        let name = try DeviceRules.name(draft.name)
        if try await devices.device(tenant: tenant, named: name) != nil {
            throw StewardError.badRequest("Device with such name already exists!")
        }
        let token: String
        if let chosen = draft.accessToken {
            try DeviceRules.checkToken(chosen)
            token = chosen
        } else {
            token = RandomToken.alphanumeric()
        }
        if try await devices.device(accessToken: token) != nil { throw StewardError.accessTokenUnavailable }
        var profile = draft.profile
        if profile == nil { profile = try await defaultProfile(tenant: tenant) }
        let device = Device(
            tenantID: tenant, profileID: profile, name: name, type: draft.type ?? "default", label: draft.label,
            isGateway: draft.isGateway ?? false, accessToken: token, createdTime: WallClock.nowMillis())
        try await devices.createDevice(device)
        return device
    }

    /// Renames, retypes or re-keys a device. A new token ends the sessions opened with the old one.
    public func update(tenant: TenantID, id: DeviceID, _ draft: DeviceDraft) async throws -> Device {
        var device = try await require(tenant: tenant, id: id)
        let name = try DeviceRules.name(draft.name)
        if name != device.name, try await devices.device(tenant: tenant, named: name) != nil {
            throw StewardError.badRequest("Device with such name already exists!")
        }
        device.name = name
        if let type = draft.type { device.type = type }
        device.label = draft.label
        if let isGateway = draft.isGateway { device.isGateway = isGateway }
        if let profile = draft.profile { device.profileID = profile }
        if let token = draft.accessToken, token != device.accessToken {
            try DeviceRules.checkToken(token)
            device.accessToken = token
        }
        try await save(device)
        return device
    }

    /// Deletes a device with its readings and attributes and closes its live sessions. False if there was none.
    @discardableResult
    public func delete(tenant: TenantID, id: DeviceID) async throws -> Bool {
        try await changes?.start()
        let deleted = try await devices.deleteDevice(tenant: tenant, id: id)
        try await changes?.catchUp()
        return deleted
    }

    // MARK: Assignment

    /// Assigns the device to one of the tenant's customers (nil: back to the tenant).
    public func assign(tenant: TenantID, device id: DeviceID, customer: CustomerID?) async throws -> Device {
        var device = try await require(tenant: tenant, id: id)
        if let customer {
            guard let accounts, try await accounts.customer(tenant: tenant, id: customer) != nil else {
                throw StewardError.notFound("Customer is not found")
            }
        }
        let before = device.customerID
        device.customerID = customer
        try await save(device)
        // The former customer's users may have live views of it open: they check their access now, not at their
        // next periodic check.
        if before != customer { changes?.hub.accessChanged(id) }
        return device
    }

    /// Links the device to the person it concerns (nil: unlinks), so their access, export and erasure cover it.
    public func assign(tenant: TenantID, device: DeviceID, person: UserID?) async throws {
        guard let people else { throw StewardError(.internal, "Device management was built without the personal-data store") }
        try await people.assignDevice(tenant: tenant, device: device, to: person)
    }

    // MARK: Claiming

    /// A customer claims a device by name with the secret the device offered (`DeviceService.offerClaim`).
    public func claim(tenant: TenantID, customer: CustomerID, deviceName: String, secretKey: String) async throws -> Device {
        guard var device = try await devices.device(tenant: tenant, named: deviceName) else {
            throw StewardError.notFound("Device with name [\(deviceName)] is not found")
        }
        if device.customerID != nil {
            throw StewardError.badRequest("Device [\(deviceName)] is already claimed")
        }
        guard let offer = try await devices.claimOffer(device: device.id), offer.expiresAt > WallClock.nowMillis() else {
            throw StewardError.badRequest("Device [\(deviceName)] is not open for claiming; the device must send a claim request first")
        }
        guard offer.secretKey == secretKey else {
            throw StewardError.badRequest("The secret key does not match the one the device offered")
        }
        device.customerID = customer
        try await devices.updateDevice(device)
        try await devices.deleteClaimOffer(device: device.id)
        return device
    }

    // MARK: Reading

    /// Every device of a tenant, newest first: for the operator at the command line, who sees everything.
    public func devices(tenant: TenantID) async throws -> [Device] {
        try await devices.devices(tenant: tenant, customer: nil, textSearch: nil, limit: Int.max, offset: 0)
    }

    /// The tenant's default profile (`DeviceProfile.isDefault`), which a device created without one gets.
    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfileID? {
        try await devices.defaultProfile(tenant: tenant)?.id
    }

    /// The device's access token (ThingsBoard's credentials).
    public func credentials(tenant: TenantID, id: DeviceID) async throws -> String {
        try await require(tenant: tenant, id: id).accessToken
    }

    func require(tenant: TenantID, id: DeviceID) async throws -> Device {
        guard let device = try await devices.device(tenant: tenant, id: id) else {
            throw StewardError.notFound("Device with id [\(id)] is not found")
        }
        return device
    }

    /// Writes a changed device and applies what the change log says about it (a new token ends old sessions).
    func save(_ device: Device) async throws {
        try await changes?.start()
        try await devices.updateDevice(device)
        try await changes?.catchUp()
    }

    // MARK: Finding devices and profiles

    /// The tenant's device with this id, or nil.
    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? {
        try await devices.device(tenant: tenant, id: id)
    }

    /// The tenant's device with this name, or nil.
    public func device(tenant: TenantID, named name: String) async throws -> Device? {
        try await devices.device(tenant: tenant, named: name)
    }

    /// The tenant's device profile with this name, or nil.
    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        try await devices.profile(tenant: tenant, named: name)
    }

    /// Creates a device profile under the rules: a valid name not taken in the tenant; a provision key and secret
    /// together or not at all, the key not used by any other profile (devices find their profile by it).
    public func createProfile(
        tenant: TenantID, name: String, provisionKey: String? = nil, provisionSecret: String? = nil,
        strategy: ProvisionStrategy = .allowCreateNewDevices
    ) async throws -> DeviceProfile {
        let name = try DeviceRules.name(name)
        if (provisionKey == nil) != (provisionSecret == nil) {
            throw StewardError.badRequest("A provision key and a provision secret go together")
        }
        if try await devices.profile(tenant: tenant, named: name) != nil {
            throw StewardError.conflict("A device profile named '\(name)' already exists in this workspace")
        }
        if let provisionKey, try await devices.profile(provisionKey: provisionKey) != nil {
            throw StewardError.conflict("Another profile already uses this provision key")
        }
        let profile = DeviceProfile(
            tenantID: tenant, name: name, provisionKey: provisionKey, provisionSecret: provisionSecret,
            provisionStrategy: provisionKey == nil ? nil : strategy, createdTime: WallClock.nowMillis())
        try await devices.createProfile(profile)
        return profile
    }
}
