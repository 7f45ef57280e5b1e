import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// What the console's device pages need besides the console's own services: the one device management service (the
/// one REST and the CLI use), the store that knows which person a device concerns, and the settings that shape
/// connection examples and maps.
public struct DevicePages: Sendable {
    public let management: DeviceManagement
    public let people: any PersonalDataStore
    public let settings: DevicePageSettings

    public init(management: DeviceManagement, people: any PersonalDataStore, settings: DevicePageSettings) {
        self.management = management
        self.people = people
        self.settings = settings
    }
}

/// Server settings the device pages show: the MQTT port for connection examples and the map tile template (nil: no
/// tiles, so no third party learns where a person's device is).
public struct DevicePageSettings: Sendable {
    public var mqttPort: Int
    public var mapTiles: String?

    public init(mqttPort: Int = 1883, mapTiles: String? = nil) {
        self.mqttPort = mqttPort
        self.mapTiles = mapTiles
    }

    /// The tile server's origin (`https://tile.example`), for the page's Content-Security-Policy.
    var tileOrigin: String? {
        guard let mapTiles, let url = URL(string: mapTiles.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
            let scheme = url.scheme, let host = url.host
        else { return nil }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }
}

/// The device list (`/devices`): what a tenant administrator and a customer user land on. One page of devices, their
/// profile, customer, last activity and active state, read with one store query for the whole page.
extension Console {
    static let devicesPerPage = 20

    func registerDevicePages(on router: Router<StewardRequestContext>) {
        router.get("devices") { request, _ in
            try await signedIn(request) { viewer in try await deviceList(request, viewer) }
        }
        registerDeviceEditing(on: router)
        registerDevicePage(on: router)
        registerDeviceData(on: router)
    }

    /// The device pages' services, or an error saying they are not set up (a console built without them).
    func devicePagesSetUp() throws(StewardError) -> DevicePages {
        guard let devicePages else { throw StewardError(.internal, "The device pages are not set up on this server") }
        return devicePages
    }

    func deviceList(_ request: Request, _ viewer: Viewer) async throws -> Response {
        if viewer.user.authority == .systemAdmin {
            return errorPage(
                request, viewer: viewer,
                .forbidden("The system administrator manages tenants, not devices: sign in as a tenant administrator to see devices"))
        }
        let scope = WebContext.scope(viewer.principal)
        let tenant = try self.scope.tenant(scope)
        let query = request.uri.queryParameters
        let search = (query.get("q") ?? "").trimmingCharacters(in: .whitespaces)
        let pageNumber = max(1, Int(query.get("page") ?? "") ?? 1)
        let offset = (pageNumber - 1) * Self.devicesPerPage
        let (devices, total) = try await self.scope.devices(
            scope, textSearch: search.isEmpty ? nil : search, limit: Self.devicesPerPage, offset: offset)
        let profiles = try await deviceService.devices.profiles(tenant: tenant)
        let profileNames = Dictionary(profiles.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let timeouts = Dictionary(profiles.map { ($0.id, $0.inactivityTimeout) }, uniquingKeysWith: { a, _ in a })
        let customers = try await accounts.customers(tenant: tenant)
        let customerNames = Dictionary(customers.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let now = WallClock.nowMillis()
        let activity = try await DeviceActivityService(telemetry: deviceService.telemetry, hub: deviceService.hub)
            .activity(tenant: tenant, devices: devices, now: now) { device in
                device.profileID.flatMap { timeouts[$0] } ?? DeviceActivity.defaultInactivityTimeout
            }
        let rows: [[String: Any]] = devices.map { device in
            let state = activity[device.id]
            var row: [String: Any] = [
                "id": device.id.description, "name": device.name,
                "profile": device.profileID.flatMap { profileNames[$0] } ?? "—",
                "customer": device.customerID.flatMap { customerNames[$0] } ?? "—",
                "active": state?.active ?? false,
            ]
            if let last = state?.lastActivity { row["last"] = ConsoleFormat.moment(last, now: now) }
            if let label = device.label, !label.isEmpty { row["label"] = label }
            return row
        }
        let pages = max(1, (total + Self.devicesPerPage - 1) / Self.devicesPerPage)
        func link(_ page: Int) -> String {
            var parts = ["page=\(page)"]
            if !search.isEmpty { parts.append("q=\(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
            return "/devices?" + parts.joined(separator: "&")
        }
        var data: [String: Any] = [
            "devices": rows, "hasDevices": !rows.isEmpty, "search": search, "searching": !search.isEmpty,
            "canManage": viewer.user.authority == .tenantAdmin, "total": total == 1 ? "1 device" : "\(total.formatted()) devices",
            "page": pageNumber, "pages": pages,
            "paged": pages > 1,
        ]
        if pageNumber > 1 { data["previous"] = link(pageNumber - 1) }
        if pageNumber < pages { data["next"] = link(pageNumber + 1) }
        var flash: Flash?
        if let deleted = query.get("deleted") { flash = .notice("Deleted \(deleted) and its data.") }
        return page(viewer, "devices", title: "Devices", data, flash: flash)
    }
}
