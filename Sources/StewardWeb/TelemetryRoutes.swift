import Hummingbird
import HummingbirdCore
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// `/api/plugins/telemetry/…`: attributes by scope, latest values and history with aggregation.
struct TelemetryRoutes {
    let web: WebContext

    func register(on router: some RouterMethods<StewardRequestContext>) {
        let group = router.group("api/plugins/telemetry")
        // Attributes: v1 path (device only) and the entity-type paths.
        // v1 path `/{deviceId}/{scope}`: the router needs one parameter name per position, so the device id arrives
        // as `entityType` and the scope as `entityId`.
        group.post(":entityType/:entityId") { request, context in
            let principal = try context.requireIdentity()
            let device = try await web.visibleDevice(principal, try context.parameters.require("entityType"))
            return try await saveAttributes(request, principal: principal, device: device, scopeText: try context.parameters.require("entityId"))
        }
        group.post(":entityType/:entityId/:scope") { request, context in
            let (principal, device) = try await entity(request, context)
            return try await saveAttributes(request, principal: principal, device: device, scopeText: try context.parameters.require("scope"))
        }
        group.post(":entityType/:entityId/attributes/:scope") { request, context in
            let (principal, device) = try await entity(request, context)
            return try await saveAttributes(request, principal: principal, device: device, scopeText: try context.parameters.require("scope"))
        }
        // v1 path `/{deviceId}/{scope}` (see the POST above).
        group.delete(":entityType/:entityId") { request, context in
            let principal = try context.requireIdentity()
            let device = try await web.visibleDevice(principal, try context.parameters.require("entityType"))
            return try await deleteAttributes(request, principal: principal, device: device, scopeText: try context.parameters.require("entityId"))
        }
        group.delete(":entityType/:entityId/:scope") { request, context in
            let (principal, device) = try await entity(request, context)
            return try await deleteAttributes(request, principal: principal, device: device, scopeText: try context.parameters.require("scope"))
        }
        group.delete(":entityType/:entityId/timeseries/delete") { request, context in
            let (principal, device) = try await entity(request, context)
            _ = try web.requireTenantAdmin(principal)
            try await web.deviceService.deleteTimeSeries(device, try Self.readingDeletion(request.uri.queryParameters, keys: keys(request)))
            return HTTP.ok()
        }
        group.get(":entityType/:entityId/values/attributes") { request, context in
            try await readAttributes(request, context, scopes: AttributeScope.allCases)
        }
        group.get(":entityType/:entityId/values/attributes/:scope") { request, context in
            let scope = try Self.scope(try context.parameters.require("scope"), writable: false)
            return try await readAttributes(request, context, scopes: [scope])
        }
        group.get(":entityType/:entityId/keys/attributes") { request, context in
            try await attributeKeys(request, context, scopes: AttributeScope.allCases)
        }
        group.get(":entityType/:entityId/keys/attributes/:scope") { request, context in
            try await attributeKeys(request, context, scopes: [try Self.scope(try context.parameters.require("scope"), writable: false)])
        }
        group.get(":entityType/:entityId/keys/timeseries") { request, context in
            let (_, device) = try await entity(request, context)
            let keys = try await web.deviceService.timeSeriesKeys(device)
            return HTTP.json(JSONValue.array(keys.map(JSONValue.string)).serialized)
        }
        group.post(":entityType/:entityId/timeseries/:scope") { request, context in
            try await saveTelemetry(request, context)
        }
        group.post(":entityType/:entityId/timeseries/:scope/:ttl") { request, context in
            // A time to live in seconds (0: none); checked here so no later arithmetic on it can overflow.
            let ttl = try IntegerInput.parse(context.parameters.get("ttl"), name: "ttl", range: 0...StorageTTL.maximumSeconds)
            return try await saveTelemetry(request, context, ttlSeconds: ttl)
        }
        group.get(":entityType/:entityId/values/timeseries") { request, context in
            if request.uri.queryParameters.get("startTs") != nil {
                return try await history(request, context)
            }
            return try await latest(request, context)
        }
        group.get(":entityType/:entityId/values/timeseries/history") { request, context in
            try await history(request, context)
        }
    }

    func entity(_ request: Request, _ context: StewardRequestContext) async throws -> (Principal, Device) {
        let principal = try context.requireIdentity()
        if let type = context.parameters.get("entityType"), type != DeviceKind.entityType {
            throw StewardError.badRequest("Entity type \(type) is not supported; Steward serves DEVICE")
        }
        return (principal, try await web.visibleDevice(principal, try context.parameters.require("entityId")))
    }

    static func scope(_ text: String, writable: Bool) throws -> AttributeScope {
        guard let scope = AttributeScope(rawValue: text) else {
            throw StewardError.badRequest("Invalid scope: \(text). Use CLIENT_SCOPE, SERVER_SCOPE or SHARED_SCOPE")
        }
        if writable && scope == .client { throw StewardError.badRequest("Invalid scope: CLIENT_SCOPE attributes are written by the device") }
        return scope
    }

    func saveAttributes(_ request: Request, principal: Principal, device: Device, scopeText: String) async throws -> Response {
        _ = try web.requireTenantAdmin(principal)
        let scope = try Self.scope(scopeText, writable: true)
        let body = try await WebContext.parseBody(request)
        guard case .object = body else { throw StewardError.badRequest("Invalid JSON: attributes must be a JSON object") }
        let values = try ThingsBoardJSON.keyValues(body)
        guard !values.isEmpty else { throw StewardError.badRequest("No attributes data found in request body!") }
        try await web.deviceService.saveAttributes(device, scope: scope, values: values)
        return HTTP.ok()
    }

    func readAttributes(_ request: Request, _ context: StewardRequestContext, scopes: [AttributeScope]) async throws -> Response {
        let (_, device) = try await entity(request, context)
        let keys = request.uri.queryParameters.get("keys").map(ThingsBoardJSON.splitKeys)
        var out = "["
        var first = true
        for scope in scopes {
            var entries = try await web.deviceService.attributes(device, scope: scope, keys: keys?.isEmpty == true ? nil : keys)
            if scope == .server {
                // ThingsBoard's activity attributes (active, lastActivityTime, inactivityTimeout), computed, not stored.
                let activity = try await activityAttributes(device).filter { keys?.isEmpty != false || keys!.contains($0.key) }
                entries = entries.filter { !DeviceActivity.serverAttributeKeys.contains($0.key) } + activity
            }
            for entry in entries {
                if !first { out += "," }
                first = false
                out += "{\"lastUpdateTs\":\(entry.lastUpdateTs),\"key\":" + JSONValue.quoted(entry.key) + ",\"value\":"
                ThingsBoardJSON.render(entry.value, to: &out)
                out += "}"
            }
        }
        return HTTP.json(out + "]")
    }

    func attributeKeys(_ request: Request, _ context: StewardRequestContext, scopes: [AttributeScope]) async throws -> Response {
        let (_, device) = try await entity(request, context)
        var keys: [String] = []
        for scope in scopes {
            keys += try await web.deviceService.attributes(device, scope: scope, keys: nil).map(\.key)
                .filter { scope != .server || !DeviceActivity.serverAttributeKeys.contains($0) }
            if scope == .server { keys += try await activityAttributes(device).map(\.key) }
        }
        return HTTP.json(JSONValue.array(keys.map(JSONValue.string)).serialized)
    }

    func activityAttributes(_ device: Device) async throws -> [AttributeEntry] {
        try await DeviceActivityService(telemetry: web.deviceService.telemetry, hub: web.deviceService.hub)
            .serverAttributes(device, devices: web.deviceService.devices)
    }

    func saveTelemetry(_ request: Request, _ context: StewardRequestContext, ttlSeconds: Int64? = nil) async throws -> Response {
        let (principal, device) = try await entity(request, context)
        _ = try web.requireTenantAdmin(principal)
        let body = try await HTTP.body(request, limit: 1 << 20)
        try await web.deviceService.saveTelemetry(device, payload: body.readableBytesView, ttlSeconds: ttlSeconds)
        return HTTP.ok()
    }

    func deleteAttributes(_ request: Request, principal: Principal, device: Device, scopeText: String) async throws -> Response {
        _ = try web.requireTenantAdmin(principal)
        let scope = try Self.scope(scopeText, writable: false)
        let keys = keys(request)
        guard !keys.isEmpty else { throw StewardError.badRequest("Parameter 'keys' is required") }
        try await web.deviceService.deleteAttributes(device, scope: scope, keys: keys)
        return HTTP.ok()
    }

    /// ThingsBoard's delete parameters: `deleteAllDataForKeys` (default false) or both `startTs` and `endTs`,
    /// `deleteLatest` (default true) and `rewriteLatestIfDeleted` (default false). Flags are read ignoring case, as
    /// Python clients send `True`.
    static func readingDeletion(_ query: FlatDictionary<Substring, Substring>, keys: [String]) throws -> ReadingDeletion {
        guard !keys.isEmpty else { throw StewardError.badRequest("Parameter 'keys' is required: the telemetry keys to delete, comma-separated") }
        let deleteLatest = try flag(query, "deleteLatest", default: true)
        let rewrite = try flag(query, "rewriteLatestIfDeleted", default: false)
        if try flag(query, "deleteAllDataForKeys", default: false) {
            return .all(keys: keys, deleteLatest: deleteLatest, rewriteLatest: rewrite)
        }
        guard let start = try IntegerInput.parse(query.get("startTs"), name: "startTs", range: IntegerInput.timestamps),
            let end = try IntegerInput.parse(query.get("endTs"), name: "endTs", range: IntegerInput.timestamps)
        else {
            throw StewardError.badRequest("When deleteAllDataForKeys is false, start and end timestamp values shouldn't be empty")
        }
        let deletion = ReadingDeletion(keys: keys, startTs: start, endTs: end, deleteLatest: deleteLatest, rewriteLatest: rewrite)
        try deletion.validate()
        return deletion
    }

    static func flag(_ query: FlatDictionary<Substring, Substring>, _ name: String, default value: Bool) throws -> Bool {
        guard let text = query.get(name) else { return value }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw StewardError.badRequest("'\(name)' must be true or false, not '\(text)'")
        }
    }

    func keys(_ request: Request) -> [String] {
        request.uri.queryParameters.getAll("keys").flatMap(ThingsBoardJSON.splitKeys)
            + request.uri.queryParameters.getAll("key").flatMap(ThingsBoardJSON.splitKeys)
    }

    func latest(_ request: Request, _ context: StewardRequestContext) async throws -> Response {
        let (_, device) = try await entity(request, context)
        let requested = keys(request)
        let latest = try await web.deviceService.latest(device, keys: requested.isEmpty ? nil : requested)
        let strict = request.uri.queryParameters.get("useStrictDataTypes")?.lowercased() == "true"
        let now = WallClock.nowMillis()
        let order = requested.isEmpty ? latest.keys.sorted() : requested
        var series: [(String, [TimeSeriesPoint?])] = []
        for key in order {
            // ThingsBoard answers a requested key without data as {"ts": now, "value": null}.
            series.append((key, [latest[key]]))
        }
        return HTTP.json(ThingsBoardJSON.renderSeries(series, strict: strict, nullTs: now))
    }

    func history(_ request: Request, _ context: StewardRequestContext) async throws -> Response {
        let (_, device) = try await entity(request, context)
        let query = request.uri.queryParameters
        let requested = keys(request)
        guard !requested.isEmpty else { throw StewardError.badRequest("Parameter 'keys' is required") }
        let range = IntegerInput.timestamps
        guard let start = try IntegerInput.parse(query.get("startTs"), name: "startTs", range: range),
            let end = try IntegerInput.parse(query.get("endTs"), name: "endTs", range: range)
        else {
            throw StewardError.badRequest("Parameters 'startTs' and 'endTs' are required (milliseconds)")
        }
        let aggText = query.get("agg") ?? "NONE"
        guard let aggregation = Aggregation(rawValue: aggText) else {
            throw StewardError.badRequest("Invalid 'agg': \(aggText). Use NONE, AVG, MIN, MAX, SUM or COUNT")
        }
        let interval = try IntegerInput.parse(query.get("interval"), name: "interval", range: range) ?? 0
        let limit = try IntegerInput.parse(
            query.get("limit"), name: "limit", range: 1...Int64(TimeSeriesQuery.maximumLimit)) ?? 100
        let ascending = (query.get("orderBy") ?? "DESC").uppercased() == "ASC"
        let timeSeries = TimeSeriesQuery(
            keys: requested, startTs: start, endTs: end, interval: interval, aggregation: aggregation, limit: Int(limit),
            ascending: ascending)
        let points = try await web.deviceService.history(device, query: timeSeries)
        let strict = query.get("useStrictDataTypes")?.lowercased() == "true"
        let series = requested.compactMap { key in points[key].map { (key, $0.map(Optional.some)) } }
        return HTTP.json(ThingsBoardJSON.renderSeries(series, strict: strict, nullTs: 0))
    }
}
