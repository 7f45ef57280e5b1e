import StewardCore
import StewardStore
import Synchronization

/// The ThingsBoard device API, independent of transport: MQTT sessions and HTTP handlers both call it, so the
/// two behave the same by construction.
public final class DeviceService: Sendable {
    public let devices: any DeviceStore
    public let attributes: any AttributeStore
    public let telemetry: any TelemetryStore
    public let writer: TelemetryWriter
    public let hub: DeviceHub
    public let limits: SessionLimits
    /// Server timestamps for readings without their own, increasing per device.
    let serverTimestamps = ServerTimestamps()
    /// Which keys are sensitive: every batch and attribute save names them, so the store knows what to seal.
    public let sensitivity: SensitiveKeys
    /// Profile names by id, for classifying keys per profile on the synchronous ingest path. Profiles are never
    /// renamed, so a name once read stays right; filled when a device authenticates.
    let profileNames = Mutex<[DeviceProfileID: String]>([:])

    public init(
        devices: any DeviceStore, attributes: any AttributeStore, telemetry: any TelemetryStore, writer: TelemetryWriter,
        hub: DeviceHub, limits: SessionLimits, sensitivity: SensitiveKeys = .none
    ) {
        self.devices = devices
        self.attributes = attributes
        self.telemetry = telemetry
        self.writer = writer
        self.hub = hub
        self.limits = limits
        self.sensitivity = sensitivity
    }

    /// Finds the device an access token belongs to (and learns its profile's name, for classifying its keys).
    public func authenticate(token: String) async throws -> Device? {
        guard DeviceRules.mayAuthenticate(token) else { return nil }
        guard let device = try await devices.device(accessToken: token) else { return nil }
        try await learnProfileName(device)
        return device
    }

    /// Reads the names of the device's tenant's profiles when its own is not known yet.
    func learnProfileName(_ device: Device) async throws {
        guard let id = device.profileID, profileNames.withLock({ $0[id] }) == nil else { return }
        let profiles = try await devices.profiles(tenant: device.tenantID)
        profileNames.withLock { names in
            if names.count > SensitiveKeys.capacity { names.removeAll() }
            for profile in profiles { names[profile.id] = profile.name }
        }
    }

    /// The profile the device's keys are classified under.
    func classificationProfile(_ device: Device) -> SensitiveKeys.Profile {
        guard let id = device.profileID else { return .none }
        return profileNames.withLock { $0[id] }.map { .named($0) } ?? .unknown
    }

    /// The sensitive keys among readings of `device`.
    func sensitiveKeys(_ device: Device, _ entries: [TimedValues]) -> Set<String> {
        sensitivity.sensitive(in: entries) { classificationProfile(device) }
    }

    /// A batch of the device's readings, naming the keys the store must seal.
    func batch(_ device: Device, _ entries: [TimedValues]) -> TelemetryBatch {
        TelemetryBatch(tenant: device.tenantID, device: device.id, entries: entries, sensitiveKeys: sensitiveKeys(device, entries))
    }

    // MARK: Telemetry

    /// Parses a telemetry payload and queues it for the group commit; `completion` runs once it is durable
    /// (or with the error that says why it was refused). The hot path of ingest.
    public func submitTelemetry(
        _ device: Device, payload: some Collection<UInt8>, completion: @escaping TelemetryWriter.Completion
    ) {
        let entries: [TimedValues]
        do {
            entries = try parseTelemetry(device, payload)
        } catch {
            completion(.failure(error))
            return
        }
        if entries.allSatisfy({ $0.values.isEmpty }) {
            completion(.success(()))
            return
        }
        writer.submit(batch(device, entries), completion: completion)
    }

    /// Saves readings from the REST API; with `ttlSeconds` (ThingsBoard's `{ttl}`, 0 meaning none) each reading
    /// expires that long after its own time, or earlier when its category's period ends first.
    public func saveTelemetry(_ device: Device, payload: some Collection<UInt8>, ttlSeconds: Int64? = nil) async throws {
        let entries = try parseTelemetry(device, payload)
        if entries.allSatisfy({ $0.values.isEmpty }) { return }
        try await learnProfileName(device)
        var batch = batch(device, entries)
        if let ttlSeconds, ttlSeconds > 0 { batch.ttlMillis = ttlSeconds * 1000 }
        try await writer.write(batch)
    }

    /// Deletes readings of a device the caller has already found in its scope (ThingsBoard's timeseries delete);
    /// returns how many went per key.
    @discardableResult
    public func deleteTimeSeries(_ device: Device, _ deletion: ReadingDeletion) async throws -> [String: Int] {
        try await telemetry.deleteReadings(tenant: device.tenantID, device: device.id, deletion)
    }

    func parseTelemetry(_ device: Device, _ payload: some Collection<UInt8>) throws(StewardError) -> [TimedValues] {
        let json = try Self.parseJSON(payload)
        let serverTs = try serverTimestamps.reserve(device.id, count: ThingsBoardJSON.untimedCount(json))
        return try ThingsBoardJSON.telemetry(json, serverTs: serverTs)
    }

    static func parseJSON(_ payload: some Collection<UInt8>) throws(StewardError) -> JSONValue {
        do {
            return try JSONParser.parse(payload)
        } catch {
            throw .badRequest(error.description)
        }
    }

    /// The newest reading of each key (of `keys`, or all) of a device the caller has already found in its scope.
    public func latest(_ device: Device, keys: [String]?) async throws -> [String: TimeSeriesPoint] {
        try await telemetry.latest(tenant: device.tenantID, device: device.id, keys: keys)
    }

    /// The keys a device has readings under.
    public func timeSeriesKeys(_ device: Device) async throws -> [String] {
        try await telemetry.timeSeriesKeys(tenant: device.tenantID, device: device.id)
    }

    /// The name of the device's profile, or nil when it has none.
    public func profileName(of device: Device) async throws -> String? {
        try await learnProfileName(device)
        return device.profileID.flatMap { id in profileNames.withLock { $0[id] } }
    }

    /// History of a device's keys, refusing a query out of range with the reason (`TimeSeriesQuery.validate`).
    public func history(_ device: Device, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] {
        try query.validate()
        return try await telemetry.history(tenant: device.tenantID, device: device.id, query: query)
    }

    // MARK: Attributes

    /// Stores client-side attributes the device reports (a JSON object).
    public func saveClientAttributes(_ device: Device, payload: some Collection<UInt8>) async throws {
        let json = try Self.parseJSON(payload)
        guard case .object = json else {
            throw StewardError.badRequest("Attributes must be a JSON object, not \(ThingsBoardJSON.describe(json))")
        }
        let values = try ThingsBoardJSON.keyValues(json)
        guard !values.isEmpty else { return }
        let ts = WallClock.nowMillis()
        try await saveClassified(device, scope: .client, values: values, ts: ts)
        publishAttributes(device, scope: .client, change: .saved(values), ts: ts)
    }

    /// Saves attributes, naming the sensitive ones so the store seals them.
    func saveClassified(_ device: Device, scope: AttributeScope, values: [KeyValue], ts: Int64) async throws {
        try await learnProfileName(device)
        let sensitive = sensitivity.sensitive(values.lazy.map(\.key), profile: classificationProfile(device))
        try await attributes.saveAttributes(
            tenant: device.tenantID, device: device.id, scope: scope, values: values, ts: ts, sensitiveKeys: sensitive)
    }

    /// Parses an MQTT attribute request payload into the two key lists (nil = all of that scope).
    public func parseAttributeRequest(_ payload: some Collection<UInt8>) throws -> (client: [String]?, shared: [String]?) {
        let json = payload.isEmpty ? JSONValue.object([]) : try Self.parseJSON(payload)
        guard case .object = json else {
            throw StewardError.badRequest("An attribute request must be a JSON object like {\"clientKeys\":\"a,b\"}")
        }
        return (
            try ThingsBoardJSON.keyList(json["clientKeys"], field: "clientKeys"),
            try ThingsBoardJSON.keyList(json["sharedKeys"], field: "sharedKeys")
        )
    }

    /// `{"client":{…},"shared":{…}}`; with neither list given, all client and shared attributes.
    public func attributeResponse(_ device: Device, clientKeys: [String]?, sharedKeys: [String]?) async throws -> String {
        let all = clientKeys == nil && sharedKeys == nil
        var sections: [(String, [AttributeEntry])] = []
        if all || clientKeys != nil {
            sections.append(
                ("client", try await attributes.attributes(tenant: device.tenantID, device: device.id, scope: .client, keys: clientKeys)))
        }
        if all || sharedKeys != nil {
            sections.append(
                ("shared", try await attributes.attributes(tenant: device.tenantID, device: device.id, scope: .shared, keys: sharedKeys)))
        }
        var out = "{"
        var first = true
        for (name, entries) in sections where !entries.isEmpty {
            if !first { out += "," }
            first = false
            out += "\"\(name)\":" + ThingsBoardJSON.renderObject(entries.map { ($0.key, $0.value) })
        }
        return out + "}"
    }

    /// Saves server or shared attributes (from the REST API) and pushes shared changes to the device.
    public func saveAttributes(_ device: Device, scope: AttributeScope, values: [KeyValue]) async throws {
        let ts = WallClock.nowMillis()
        try await saveClassified(device, scope: scope, values: values, ts: ts)
        if !values.isEmpty { publishAttributes(device, scope: scope, change: .saved(values), ts: ts) }
        if scope == .shared, !values.isEmpty {
            hub.publishAttributeUpdate(device.id, json: ThingsBoardJSON.renderObject(values.map { ($0.key, $0.value) }))
        }
    }

    /// A device's attributes of one scope (of `keys`, or all).
    public func attributes(_ device: Device, scope: AttributeScope, keys: [String]?) async throws -> [AttributeEntry] {
        try await attributes.attributes(tenant: device.tenantID, device: device.id, scope: scope, keys: keys)
    }

    /// Deletes attributes and tells the device about deleted shared ones.
    public func deleteAttributes(_ device: Device, scope: AttributeScope, keys: [String]) async throws {
        let deleted = try await attributes.deleteAttributes(tenant: device.tenantID, device: device.id, scope: scope, keys: keys)
        if !deleted.isEmpty { publishAttributes(device, scope: scope, change: .deleted(deleted), ts: WallClock.nowMillis()) }
        if scope == .shared, !deleted.isEmpty {
            hub.publishAttributeUpdate(device.id, json: "{\"deleted\":" + JSONValue.array(deleted.map(JSONValue.string)).serialized + "}")
        }
    }

    // MARK: RPC

    /// Answers a client-side RPC (`{"method":…,"params":…}`) with the reply JSON.
    public func clientRPC(_ device: Device, payload: some Collection<UInt8>) throws -> String {
        let json = try Self.parseJSON(payload)
        guard case .object = json, case .string(let method)? = json["method"] else {
            throw StewardError.badRequest("A client RPC must be a JSON object with a string 'method'")
        }
        switch method {
        case "getSessionLimits":
            return limits.json
        case "getCurrentTime":
            return "{\"time\":\(WallClock.nowMillis())}"
        default:
            return "{\"error\":" + JSONValue.quoted("Unsupported RPC method '\(method)'. Built-in methods: getSessionLimits, getCurrentTime") + "}"
        }
    }

    /// A device's reply to server-side RPC `id`.
    public func replyRPC(_ device: Device, id: Int, payload: some Collection<UInt8>) {
        hub.replyRPC(device.id, id: id, payload: String(decoding: Array(payload), as: UTF8.self))
    }

    // MARK: Claiming

    /// Default claim window when the device gives none (ThingsBoard's `security.claim.duration`).
    public static let defaultClaimDurationMs: Int64 = 86_400_000
    /// The longest claim window a device may ask for: one year. Longer (up to `Int64.max`) used to overflow the
    /// expiry time and stop the server.
    public static let maximumClaimDurationMs: Int64 = 31_536_000_000
    /// A claim secret is a short shared code, not a document.
    public static let maximumClaimSecretLength = 256

    /// Records that the device may be claimed with `secretKey` until the window ends.
    public func offerClaim(_ device: Device, payload: some Collection<UInt8>) async throws {
        let json = payload.isEmpty ? JSONValue.object([]) : try Self.parseJSON(payload)
        guard case .object = json else { throw StewardError.badRequest("A claim request must be a JSON object") }
        let secret: String
        switch json["secretKey"] {
        case nil, .null?: secret = ""
        case .string(let text)?:
            guard text.utf8.count <= Self.maximumClaimSecretLength else {
                throw StewardError.badRequest("'secretKey' must be at most \(Self.maximumClaimSecretLength) bytes")
            }
            secret = text
        case let other?:
            throw StewardError.badRequest("'secretKey' must be a string, not \(ThingsBoardJSON.describe(other))")
        }
        var duration = try IntegerInput.member(json, "durationMs", range: 0...Self.maximumClaimDurationMs) ?? 0
        if duration == 0 { duration = Self.defaultClaimDurationMs }
        try await devices.saveClaimOffer(
            device: device.id, offer: ClaimOffer(secretKey: secret, expiresAt: WallClock.nowMillis() + duration))
    }
}
