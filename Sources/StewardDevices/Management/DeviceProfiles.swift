import StewardCore
import StewardStore

/// What a caller may set on a device profile. Name, description and provisioning are written as given (ThingsBoard
/// clients send them all); the inactivity timeout and the TTL, which ThingsBoard's clients do not know and so leave
/// out, keep their value on save when nil (on create: 600 s and none).
public struct DeviceProfileDraft: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var inactivityTimeout: Int64?
    /// Seconds readings are kept (the profile's storage TTL): nil keeps it, `.some(nil)` clears it (readings then
    /// live as the privacy declaration says).
    public var storageTTL: Int64??
    public var provisionKey: String?
    public var provisionSecret: String?
    public var provisionStrategy: ProvisionStrategy?
    /// Make this the tenant's default profile. `false` never takes the flag away: another profile must become default.
    public var makeDefault: Bool

    public init(
        name: String, description: String? = nil, inactivityTimeout: Int64? = nil, storageTTL: Int64?? = nil,
        provisionKey: String? = nil, provisionSecret: String? = nil, provisionStrategy: ProvisionStrategy? = nil,
        makeDefault: Bool = false
    ) {
        self.name = name
        self.description = description
        self.inactivityTimeout = inactivityTimeout
        self.storageTTL = storageTTL
        self.provisionKey = provisionKey
        self.provisionSecret = provisionSecret
        self.provisionStrategy = provisionStrategy
        self.makeDefault = makeDefault
    }
}

/// Device profiles under their rules, for REST, the console and the CLI: a valid name unique in the tenant and fixed
/// once created (the privacy declaration classifies keys by profile name, and retention and the export follow it);
/// one default per tenant, which devices created without a profile get; a profile in use or the default cannot be
/// deleted; provisioning key and secret together, the key unique across tenants (devices find their profile by it);
/// inactivity timeout and TTL within bounds. Every method is scoped by tenant.
public struct DeviceProfiles: Sendable {
    public let devices: any DeviceStore

    /// The longest profile name, in characters (ThingsBoard's column is 255 wide).
    public static let maximumNameLength = 255
    /// The longest description kept, in characters.
    public static let maximumDescriptionLength = 1_000
    /// The longest inactivity timeout, in seconds: a year.
    public static let maximumInactivityTimeout: Int64 = 365 * 86_400

    public init(devices: any DeviceStore) {
        self.devices = devices
    }

    // MARK: Reading

    /// The tenant's profile, or not-found (another tenant's id is not found too).
    public func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile {
        guard let profile = try await devices.profile(tenant: tenant, id: id) else {
            throw StewardError.notFound("Device profile with id [\(id)] is not found")
        }
        return profile
    }

    /// The tenant's default profile, or not-found when it has none.
    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfile {
        guard let profile = try await devices.defaultProfile(tenant: tenant) else {
            throw StewardError.notFound("This tenant has no default device profile; make one of its profiles the default")
        }
        return profile
    }

    /// A page of profiles and how many match in all.
    public func page(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder = DeviceProfileOrder(), limit: Int, offset: Int)
        async throws -> (profiles: [DeviceProfile], total: Int)
    {
        let profiles = try await devices.profiles(tenant: tenant, textSearch: textSearch, order: order, limit: limit, offset: offset)
        return (profiles, try await devices.profileCount(tenant: tenant, textSearch: textSearch))
    }

    /// How many devices use each profile.
    public func deviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int] {
        try await devices.profileDeviceCounts(tenant: tenant)
    }

    // MARK: Changing

    /// Creates a profile. The tenant's first profile, or one created with `makeDefault`, becomes the default.
    public func create(tenant: TenantID, _ draft: DeviceProfileDraft) async throws -> DeviceProfile {
        let name = try Self.name(draft.name)
        if try await devices.profile(tenant: tenant, named: name) != nil {
            throw StewardError.badRequest("A device profile named '\(name)' already exists in this workspace; choose another name")
        }
        var profile = DeviceProfile(tenantID: tenant, name: name, createdTime: WallClock.nowMillis())
        try await apply(draft, to: &profile)
        try await devices.createProfile(profile)
        let hasDefault = try await devices.defaultProfile(tenant: tenant) != nil
        if draft.makeDefault || !hasDefault {
            try await devices.setDefaultProfile(tenant: tenant, id: profile.id)
            profile.isDefault = true
        }
        return profile
    }

    /// Saves a profile's settings. The name cannot change: the privacy declaration maps keys by profile name.
    public func update(tenant: TenantID, id: DeviceProfileID, _ draft: DeviceProfileDraft) async throws -> DeviceProfile {
        var profile = try await profile(tenant: tenant, id: id)
        let name = try Self.name(draft.name)
        guard name == profile.name else {
            throw StewardError.badRequest(
                "A device profile's name cannot change ('\(profile.name)'): the privacy declaration classifies telemetry keys "
                    + "by profile name. Create a profile named '\(name)' and move the devices to it instead")
        }
        try await apply(draft, to: &profile)
        try await devices.updateProfile(profile)
        if draft.makeDefault, !profile.isDefault {
            try await devices.setDefaultProfile(tenant: tenant, id: id)
            profile.isDefault = true
        }
        return profile
    }

    /// Makes the profile the tenant's default (the previous default stays, without the flag).
    public func makeDefault(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile {
        var profile = try await profile(tenant: tenant, id: id)
        try await devices.setDefaultProfile(tenant: tenant, id: id)
        profile.isDefault = true
        return profile
    }

    /// Deletes a profile no device uses that is not the default; otherwise says what to do first.
    public func delete(tenant: TenantID, id: DeviceProfileID) async throws {
        let profile = try await profile(tenant: tenant, id: id)
        if profile.isDefault {
            throw StewardError.badRequest(
                "The device profile '\(profile.name)' is the default profile and cannot be deleted; make another profile the default first")
        }
        let count = try await devices.profileDeviceCounts(tenant: tenant)[id] ?? 0
        if count > 0 {
            throw StewardError.badRequest(
                "The device profile '\(profile.name)' is used by \(count) device\(count == 1 ? "" : "s"); "
                    + "move \(count == 1 ? "it" : "them") to another profile or delete \(count == 1 ? "it" : "them") first")
        }
        _ = try await devices.deleteProfile(tenant: tenant, id: id)
    }

    // MARK: Rules

    /// A valid profile name: trimmed, non-empty, at most `maximumNameLength` characters, no control characters.
    public static func name(_ name: String) throws(StewardError) -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .badRequest("Device profile name should be specified!") }
        guard trimmed.count <= maximumNameLength else {
            throw .badRequest("Device profile name is longer than \(maximumNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .badRequest("Device profile name must not contain control characters (line breaks, tabs)")
        }
        return trimmed
    }

    /// Copies the draft's settings onto the profile after checking them.
    func apply(_ draft: DeviceProfileDraft, to profile: inout DeviceProfile) async throws {
        let description = draft.description?.trimmingWhitespace()
        if let description, description.count > Self.maximumDescriptionLength {
            throw StewardError.badRequest("A device profile description is at most \(Self.maximumDescriptionLength) characters")
        }
        let timeout = draft.inactivityTimeout ?? profile.inactivityTimeout
        guard (1...Self.maximumInactivityTimeout).contains(timeout) else {
            throw StewardError.badRequest(
                "The inactivity timeout must be from 1 to \(Self.maximumInactivityTimeout) seconds (a year), not \(timeout)")
        }
        let ttl = draft.storageTTL ?? profile.storageTTL
        if let ttl { try StorageTTL.check(seconds: ttl) }
        let key = draft.provisionKey.flatMap { $0.isEmpty ? nil : $0 }
        let secret = draft.provisionSecret.flatMap { $0.isEmpty ? nil : $0 }
        if (key == nil) != (secret == nil) {
            throw StewardError.badRequest("A provision key and a provision secret go together: give both or neither")
        }
        if let key, let other = try await devices.profile(provisionKey: key), other.id != profile.id {
            throw StewardError.conflict("Another device profile already uses this provision key; choose another key")
        }
        profile.description = description.flatMap { $0.isEmpty ? nil : $0 }
        profile.inactivityTimeout = timeout
        profile.storageTTL = ttl
        profile.provisionKey = key
        profile.provisionSecret = secret
        profile.provisionStrategy = key == nil ? nil : (draft.provisionStrategy ?? .allowCreateNewDevices)
    }
}
