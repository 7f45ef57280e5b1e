import StewardCore
import StewardStore

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

    public init(
        devices: any DeviceStore, attributes: any AttributeStore, telemetry: any TelemetryStore, writer: TelemetryWriter,
        hub: DeviceHub, limits: SessionLimits
    ) {
        self.devices = devices
        self.attributes = attributes
        self.telemetry = telemetry
        self.writer = writer
        self.hub = hub
        self.limits = limits
    }

    /// Finds the device an access token belongs to.
    public func authenticate(token: String) async throws -> Device? {
        guard DeviceRules.mayAuthenticate(token) else { return nil }
        return try await devices.device(accessToken: token)
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
        writer.submit(TelemetryBatch(tenant: device.tenantID, device: device.id, entries: entries), completion: completion)
    }

    public func saveTelemetry(_ device: Device, payload: some Collection<UInt8>) async throws {
        let entries = try parseTelemetry(device, payload)
        if entries.allSatisfy({ $0.values.isEmpty }) { return }
        try await writer.write(TelemetryBatch(tenant: device.tenantID, device: device.id, entries: entries))
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
        try await attributes.saveAttributes(tenant: device.tenantID, device: device.id, scope: .client, values: values, ts: ts)
        publishAttributes(device, scope: .client, change: .saved(values), ts: ts)
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
        try await attributes.saveAttributes(tenant: device.tenantID, device: device.id, scope: scope, values: values, ts: ts)
        if !values.isEmpty { publishAttributes(device, scope: scope, change: .saved(values), ts: ts) }
        if scope == .shared, !values.isEmpty {
            hub.publishAttributeUpdate(device.id, json: ThingsBoardJSON.renderObject(values.map { ($0.key, $0.value) }))
        }
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
