import Foundation
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// What the device page's scripts fetch with the session cookie: a chart's downsampled history, a device's track, and
/// the scripts themselves (ours from the bundle; Chart.js and Leaflet from Debian's `/usr/share/javascript`, never
/// copied into the repository).
extension Console {
    /// Where Debian's `libjs-chart.js` and `libjs-leaflet` put the browser libraries.
    static let browserLibraries: [String: (path: String, type: String)] = [
        "chart.min.js": ("/usr/share/javascript/chart.js/chart.min.js", "text/javascript; charset=utf-8"),
        "leaflet.js": ("/usr/share/javascript/leaflet/leaflet.js", "text/javascript; charset=utf-8"),
        "leaflet.css": ("/usr/share/javascript/leaflet/leaflet.css", "text/css; charset=utf-8"),
    ]
    static let ownScripts = ["device-page.js", "device-map.js"]
    /// The most positions one track answer carries (the newest of the range).
    static let maximumTrackPoints = 1_000

    func registerDeviceData(on router: Router<StewardRequestContext>) {
        registerFavicon(on: router)
        let root = ConsoleRenderer.resourceRoot?.appendingPathComponent("Static")
        for name in Self.ownScripts {
            let text = root.flatMap { try? String(contentsOf: $0.appendingPathComponent(name), encoding: .utf8) } ?? ""
            router.get("static/\(name)") { _, _ in
                Response(
                    status: text.isEmpty ? .notFound : .ok,
                    headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        for (name, library) in Self.browserLibraries {
            router.get("static/lib/\(name)") { _, _ in
                guard let data = FileManager.default.contents(atPath: library.path) else {
                    return Response(
                        status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "\(library.path) is missing: install Debian's libjs-chart.js and libjs-leaflet")))
                }
                return Response(
                    status: .ok, headers: [.contentType: library.type, .cacheControl: "public, max-age=86400"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("devices/:deviceId/series.json") { request, context in
            try await signedIn(request) { viewer in
                let device = try await visibleDevice(viewer, context)
                let query = request.uri.queryParameters
                let window = try ChartWindow.parse(
                    range: query.get("range"), start: query.get("start"), end: query.get("end"), now: WallClock.nowMillis())
                let keys = (query.get("keys") ?? "").split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
                guard !keys.isEmpty else { throw StewardError.badRequest("Choose at least one key to chart") }
                guard keys.count <= 20 else { throw StewardError.badRequest("Chart at most 20 keys at once") }
                let history = try await deviceService.history(device, query: window.query(keys: keys))
                try await logSensitive(viewer, device, keys: keys, what: "chart", ip: context.clientIP)
                var series: [JSONMember] = []
                for key in keys {
                    let points = (history[key] ?? []).compactMap { point -> JSONValue? in
                        guard let number = Self.number(point.value) else { return nil }
                        return .array([.number(String(point.ts)), .number(number)])
                    }
                    series.append(JSONMember(key, .array(points)))
                }
                return HTTP.json(
                    JSONValue.object([
                        JSONMember("start", .number(String(window.start))), JSONMember("end", .number(String(window.end))),
                        JSONMember("interval", .number(String(window.interval))), JSONMember("series", .object(series)),
                    ]).serialized)
            }
        }
        // The device page's badge asks this when the inactivity timeout passes without a live reading, and now and
        // then for a session that opened or closed (connects are not pushed over the WebSocket API).
        router.get("devices/:deviceId/activity.json") { request, context in
            try await signedIn(request) { viewer in
                let device = try await visibleDevice(viewer, context)
                let now = WallClock.nowMillis()
                let (activity, timeout) = try await deviceActivity(device, now: now)
                var members = [
                    JSONMember("active", .bool(activity?.active ?? false)), JSONMember("connected", .bool(activity?.connected ?? false)),
                    JSONMember("inactivityTimeout", .number(String(timeout))), JSONMember("now", .number(String(now))),
                ]
                if let last = activity?.lastActivity {
                    members.append(JSONMember("lastActivityTime", .number(String(last))))
                    members.append(JSONMember("lastActivity", .string(ConsoleFormat.absolute(last))))
                }
                return HTTP.json(JSONValue.object(members).serialized)
            }
        }
        router.get("devices/:deviceId/track.json") { request, context in
            try await signedIn(request) { viewer in
                let device = try await visibleDevice(viewer, context)
                let query = request.uri.queryParameters
                let window = try ChartWindow.parse(
                    range: query.get("range") ?? "week", start: query.get("start"), end: query.get("end"), now: WallClock.nowMillis())
                let keys = try await deviceService.timeSeriesKeys(device)
                guard let position = DevicePosition.keys(in: keys) else {
                    return HTTP.json(#"{"points":[]}"#)
                }
                let history = try await deviceService.history(
                    device,
                    query: TimeSeriesQuery(
                        keys: [position.latitude, position.longitude], startTs: window.start, endTs: window.end,
                        limit: Self.maximumTrackPoints, ascending: false))
                try await logSensitive(viewer, device, keys: [position.latitude, position.longitude], what: "map", ip: context.clientIP)
                let longitudes = Dictionary(
                    (history[position.longitude] ?? []).compactMap { point in Self.number(point.value).map { (point.ts, $0) } },
                    uniquingKeysWith: { a, _ in a })
                let points: [JSONValue] = (history[position.latitude] ?? []).reversed().compactMap { point in
                    guard let lat = Self.number(point.value), let lon = longitudes[point.ts] else { return nil }
                    return .array([.number(String(point.ts)), .number(lat), .number(lon)])
                }
                return HTTP.json(JSONValue.object([JSONMember("points", .array(points))]).serialized)
            }
        }
    }

    /// Logs a read of the device's sensitive keys among `keys` (a position, health…) to the person's access log.
    func logSensitive(_ viewer: Viewer, _ device: Device, keys: [String], what: String, ip: String?) async throws {
        let categories = DeviceKeyCategories(privacy: privacy, profile: try await deviceService.profileName(of: device))
        let sensitive = keys.filter { categories.category($0).sensitive }
        if !sensitive.isEmpty { try await logSensitiveView(viewer, device: device, keys: sensitive, what: what, ip: ip) }
    }

    /// A reading as a JSON number, for charts and maps; text and JSON readings are left out.
    static func number(_ value: KVValue) -> String? {
        switch value {
        case .long(let whole): String(whole)
        case .double(let decimal): decimal.isFinite ? String(decimal) : nil
        default: nil
        }
    }
}
