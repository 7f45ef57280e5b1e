import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// A device's page (`/devices/{id}`): latest values with their data category, the chart and map (drawn by
/// `device-page.js` from `/devices/{id}/series.json`), attributes by scope, commands, and for a new device its
/// access token with connection examples. Without JavaScript everything but the chart and map works as forms.
extension Console {
    func registerDevicePage(on router: Router<StewardRequestContext>) {
        router.get("devices/:deviceId") { request, context in
            try await signedIn(request) { viewer in
                let device = try await visibleDevice(viewer, context)
                let query = request.uri.queryParameters
                let flash: Flash? =
                    query.get("created") != nil
                    ? .notice("Added \(device.name). Connect it with the token below.")
                    : query.get("saved") != nil ? .notice("Saved.") : query.get("attribute") != nil ? .notice("Attributes saved.") : nil
                return try await devicePage(request, context, viewer, device, flash: flash)
            }
        }
        router.post("devices/:deviceId/attributes") { request, context in
            try await signedInForm(request) { viewer, form in
                let device = try await visibleDevice(viewer, context)
                do {
                    let scope = try Self.editableScope(form["scope"])
                    let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
                    guard !key.isEmpty else { throw StewardError.badRequest("Give the attribute's key") }
                    guard key.count <= 255 else { throw StewardError.badRequest("An attribute key is at most 255 characters") }
                    let value = Self.attributeValue(form["value"] ?? "")
                    try await deviceService.saveAttributes(device, scope: scope, values: [KeyValue(key, value)])
                    return redirect("/devices/\(device.id)?attribute=saved#attributes")
                } catch let error as StewardError where error.kind == .badRequest {
                    return try await devicePage(request, context, viewer, device, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.post("devices/:deviceId/attributes/delete") { request, context in
            try await signedInForm(request) { viewer, form in
                let device = try await visibleDevice(viewer, context)
                let scope = try Self.editableScope(form["scope"])
                let key = try form.require("key", "The attribute's key")
                try await deviceService.deleteAttributes(device, scope: scope, keys: [key])
                return redirect("/devices/\(device.id)?attribute=deleted#attributes")
            }
        }
        router.post("devices/:deviceId/rpc") { request, context in
            try await signedInForm(request) { viewer, form in
                let device = try await visibleDevice(viewer, context)
                let command: DeviceCommand
                do {
                    command = try DeviceCommand.parse(method: form["method"], params: form["params"], oneWay: form["oneway"] != nil)
                } catch let error as StewardError {
                    if Self.wantsJSON(request) { return Self.commandJSON(DeviceCommandResult(ok: false, message: error.message)) }
                    return try await devicePage(
                        request, context, viewer, device, flash: .error(error.message), status: .badRequest, rpcForm: form.fields)
                }
                let result = await send(command, to: device, viewer: viewer)
                if Self.wantsJSON(request) { return Self.commandJSON(result) }
                return try await devicePage(
                    request, context, viewer, device, flash: result.ok ? .notice(result.message) : .error(result.message),
                    rpcForm: form.fields, rpcResult: result)
            }
        }
        router.post("devices/:deviceId/switch") { request, context in
            try await signedInForm(request) { viewer, form in
                let device = try await visibleDevice(viewer, context)
                let command: DeviceCommand
                switch form["value"] {
                case "true": command = .switchSet(true)
                case "false": command = .switchSet(false)
                default: command = .switchRead()
                }
                let result = await send(command, to: device, viewer: viewer)
                if Self.wantsJSON(request) { return Self.commandJSON(result) }
                return try await devicePage(
                    request, context, viewer, device, flash: result.ok ? .notice(result.message) : .error(result.message), rpcResult: result)
            }
        }
    }

    /// Sends a command through the hub, as REST's RPC routes do; every session of one user counts as one caller.
    /// An offline device (no session, no recent activity: `CommandDelivery`) is answered at once and nothing is sent.
    func send(_ command: DeviceCommand, to device: Device, viewer: Viewer) async -> DeviceCommandResult {
        if let activity = try? await deviceActivity(device).activity,
            CommandDelivery.decide(connected: activity.connected, active: activity.active) == .notSent
        {
            return CommandDelivery.offlineResult(command, device: device.name)
        }
        let outcome = await deviceService.hub.callRPC(
            device.id, method: command.method, paramsJSON: command.paramsJSON, oneWay: command.oneWay,
            timeout: .milliseconds(command.timeoutMillis), caller: "user:\(viewer.user.id)")
        return DeviceCommandResult(command, outcome)
    }

    /// The keys the chart offers; the first that is not a position is shown at first (one scale reads best), or the
    /// first of all when every key is a position.
    static func chartKeys(_ keys: [String]) -> [[String: Any]] {
        let positions: Set<String> = ["latitude", "longitude", "lat", "lon", "lng"]
        let first = keys.first { !positions.contains($0) } ?? keys.first
        return keys.map { ["key": $0, "checked": $0 == first] }
    }

    /// Whether the chart can draw a key: whole and decimal numbers.
    static func isNumeric(_ value: KVValue) -> Bool {
        switch value {
        case .long, .double: true
        default: false
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        (request.headers[.accept] ?? "").contains("application/json")
    }

    static func commandJSON(_ result: DeviceCommandResult) -> Response {
        var members = [JSONMember("ok", .bool(result.ok)), JSONMember("message", .string(result.message))]
        if let reply = result.reply {
            members.append(JSONMember("reply", .string(reply)))
            if let state = DeviceCommand.switchState(reply) { members.append(JSONMember("state", .bool(state))) }
        }
        return HTTP.json(JSONValue.object(members).serialized)
    }

    /// Shared and server attributes are set from the console; client attributes belong to the device.
    static func editableScope(_ text: String?) throws(StewardError) -> StewardCore.AttributeScope {
        switch text {
        case "shared": return .shared
        case "server": return .server
        default: throw .badRequest("Choose the shared or server scope: client attributes are the device's own")
        }
    }

    /// A typed value: JSON when it parses as a number, true/false, an object or an array; else the text itself.
    static func attributeValue(_ text: String) -> KVValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let json = try? JSONParser.parse(Array(trimmed.utf8)),
            let values = try? ThingsBoardJSON.keyValues(.object([JSONMember("v", json)])), let value = values.first?.value
        {
            if case .string = json { return .string(text) }
            return value
        }
        return .string(text)
    }

    func devicePage(
        _ request: Request, _ context: StewardRequestContext, _ viewer: Viewer, _ device: Device, flash: Flash? = nil,
        status: HTTPResponse.Status = .ok, rpcForm: [String: String] = [:], rpcResult: DeviceCommandResult? = nil
    ) async throws -> Response {
        let pages = try devicePagesSetUp()
        let now = WallClock.nowMillis()
        let isAdmin = viewer.user.authority == .tenantAdmin
        let profileName = try await deviceService.profileName(of: device)
        let latest = try await deviceService.latest(device, keys: nil)
        let categories = DeviceKeyCategories(privacy: privacy, profile: profileName)
        let (activity, timeout) = try await deviceActivity(device, now: now)
        let position = DevicePosition.keys(in: Array(latest.keys))

        // Sensitive readings (a position, health…) shown to anyone but the person they concern go to that person's log.
        let sensitiveShown = latest.keys.filter { categories.category($0).sensitive }.sorted()
        if !sensitiveShown.isEmpty {
            try await logSensitiveView(viewer, device: device, keys: sensitiveShown, what: "latest values", ip: context.clientIP)
        }
        let readings: [[String: Any]] = latest.sorted { $0.key < $1.key }.map { key, point in
            let category = categories.category(key)
            return [
                "key": key, "value": point.value.stringValue, "moment": ConsoleFormat.moment(point.ts, now: now), "ts": String(point.ts),
                "category": category.name, "sensitive": category.sensitive,
                "numeric": Self.isNumeric(point.value),
            ]
        }
        var attributeSections: [[String: Any]] = []
        for (scope, title, editable) in [(StewardCore.AttributeScope.client, "Client", false), (.shared, "Shared", true), (.server, "Server", true)] {
            let entries = try await deviceService.attributes(device, scope: scope, keys: nil).sorted { $0.key < $1.key }
            attributeSections.append([
                "scope": scope.rawValue.lowercased().replacingOccurrences(of: "_scope", with: ""), "title": title, "editable": editable,
                "hasEntries": !entries.isEmpty,
                "entries": entries.map {
                    [
                        "key": $0.key, "value": $0.value.stringValue, "moment": ConsoleFormat.moment($0.lastUpdateTs, now: now),
                        "category": categories.category($0.key).name,
                    ] as [String: Any]
                },
            ])
        }
        var data: [String: Any] = [
            "id": device.id.description, "name": device.name, "profile": profileName ?? "—",
            "canManage": isAdmin, "active": activity?.active ?? false, "connected": activity?.connected ?? false,
            "inactivityTimeout": String(timeout), "lastActivityTs": activity?.lastActivity.map(String.init) ?? "", "nowTs": String(now),
            "readings": readings, "hasReadings": !readings.isEmpty,
            "numericKeys": Self.chartKeys(readings.filter { ($0["numeric"] as? Bool) ?? false }.compactMap { $0["key"] as? String }),
            "attributeSections": attributeSections,
            "rpcMethod": rpcForm["method"] ?? "", "rpcParams": rpcForm["params"] ?? "", "rpcOneWay": rpcForm["oneway"] != nil,
            "hasPosition": position != nil, "mapTiles": pages.settings.mapTiles ?? "", "hasTiles": !(pages.settings.mapTiles ?? "").isEmpty,
            "latKey": position?.latitude ?? "", "lonKey": position?.longitude ?? "",
        ]
        if let last = activity?.lastActivity { data["last"] = ConsoleFormat.moment(last, now: now) }
        // An empty string still opens a Mustache section: only a label that says something is passed.
        if let label = device.label, !label.isEmpty { data["label"] = label }
        if let customer = device.customerID, let tenant = viewer.user.tenantID,
            let record = try await accounts.customer(tenant: tenant, id: customer)
        {
            data["customer"] = record.name
        }
        if let rpcResult {
            data["rpcResult"] = ["ok": rpcResult.ok, "message": rpcResult.message, "reply": rpcResult.reply ?? ""] as [String: Any]
        }
        if isAdmin {
            data["connect"] = ConnectionExamples(
                request: request, secure: cookies.secure, mqttPort: pages.settings.mqttPort, token: device.accessToken
            ).templateData(open: request.uri.queryParameters.get("created") != nil)
        }
        var imageOrigins: [String] = []
        if position != nil, let origin = pages.settings.tileOrigin { imageOrigins.append(origin) }
        return page(viewer, "device", title: device.name, data, flash: flash, status: status, imageOrigins: imageOrigins)
    }

    /// One device's activity (live session, newest reading, active by its profile's inactivity timeout) and that
    /// timeout in seconds: what the page's badge starts from and keeps up to date with.
    func deviceActivity(_ device: Device, now: Int64 = WallClock.nowMillis()) async throws -> (activity: DeviceActivity?, timeout: Int64) {
        var timeout = DeviceActivity.defaultInactivityTimeout
        if let profile = device.profileID, let record = try await deviceService.devices.profile(tenant: device.tenantID, id: profile) {
            timeout = record.inactivityTimeout
        }
        let activity = try await DeviceActivityService(telemetry: deviceService.telemetry, hub: deviceService.hub)
            .activity(tenant: device.tenantID, devices: [device], now: now) { _ in timeout }[device.id]
        return (activity, timeout)
    }

    /// Writes a view of a device's sensitive readings to the access log of the person the device concerns, unless the
    /// viewer is that person (or the device concerns nobody in particular).
    func logSensitiveView(_ viewer: Viewer, device: Device, keys: [String], what: String, ip: String?) async throws {
        let pages = try devicePagesSetUp()
        guard let personID = try await pages.people.person(concerning: device.id, tenant: device.tenantID),
            personID != viewer.user.id, let person = try await accounts.user(id: personID)
        else { return }
        try await AccessLog(store: identity).personalDataRead(
            by: viewer.principal, of: person, what: "\(keys.joined(separator: ", ")) of device \(device.name): \(what) (console)", ip: ip)
    }
}

/// The data category of each key on one device, from the privacy declaration's telemetry mapping.
struct DeviceKeyCategories {
    let privacy: PrivacyDeclaration
    let profile: String?

    func category(_ key: String) -> DataCategory {
        privacy.category(forTelemetryKey: key, profile: profile)
    }
}

/// Which keys of a device hold its position: `latitude`/`longitude`, or `lat` with `lng` or `lon`.
enum DevicePosition {
    static func keys(in keys: [String]) -> (latitude: String, longitude: String)? {
        let present = Set(keys)
        if present.contains("latitude"), present.contains("longitude") { return ("latitude", "longitude") }
        if present.contains("lat") {
            if present.contains("lng") { return ("lat", "lng") }
            if present.contains("lon") { return ("lat", "lon") }
        }
        return nil
    }
}
