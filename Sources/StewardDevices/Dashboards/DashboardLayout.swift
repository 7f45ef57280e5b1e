import StewardCore

/// A dashboard's widgets as read from its JSON layout, checked as a whole: every mistake is refused with a message
/// that names the widget (its number and title), so a person editing the JSON knows where to look.
///
/// `{"widgets":[{"kind":"timeseries","title":"Temperature","devices":["<id>"],"keys":["temperature"],
///   "x":0,"y":0,"w":6,"h":4}, …]}` on a grid 12 columns wide.
public struct DashboardLayout: Sendable, Equatable {
    /// The widget kinds the console draws.
    public enum Kind: String, Sendable, CaseIterable {
        case timeseries, latest, map, `switch`, rpc, attributes

        /// What people call it.
        public var words: String {
            switch self {
            case .timeseries: return "Time-series chart"
            case .latest: return "Latest values"
            case .map: return "Map"
            case .switch: return "Switch"
            case .rpc: return "Command button"
            case .attributes: return "Attribute form"
            }
        }
    }

    public struct Widget: Sendable, Equatable {
        public var kind: Kind
        public var title: String
        public var devices: [DeviceID]
        public var keys: [String]
        /// The RPC method a command button sends.
        public var method: String?
        public var x: Int, y: Int, w: Int, h: Int

        public init(
            kind: Kind, title: String, devices: [DeviceID], keys: [String] = [], method: String? = nil, x: Int = 0, y: Int = 0,
            w: Int = 6, h: Int = 4
        ) {
            self.kind = kind
            self.title = title
            self.devices = devices
            self.keys = keys
            self.method = method
            self.x = x
            self.y = y
            self.w = w
            self.h = h
        }
    }

    public static let columns = 12
    public static let maximumWidgets = 50
    public static let maximumRows = 200
    public static let maximumDevicesPerWidget = 20
    public static let maximumKeysPerWidget = 20

    public var widgets: [Widget]

    public init(widgets: [Widget]) {
        self.widgets = widgets
    }

    /// Reads and checks a layout.
    public static func parse(_ text: String) throws(StewardError) -> DashboardLayout {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw .badRequest("The layout is not valid JSON: \(error.description)")
        }
        guard case .array(let items)? = json["widgets"] else {
            throw .badRequest(#"The layout must be a JSON object with a "widgets" list"#)
        }
        guard items.count <= maximumWidgets else {
            throw .badRequest("A dashboard holds at most \(maximumWidgets) widgets, not \(items.count)")
        }
        var widgets: [Widget] = []
        for (index, item) in items.enumerated() {
            widgets.append(try widget(item, number: index + 1))
        }
        return DashboardLayout(widgets: widgets)
    }

    static func widget(_ item: JSONValue, number: Int) throws(StewardError) -> Widget {
        guard case .object = item else { throw .badRequest("Widget \(number) is not a JSON object") }
        let title = item["title"]?.stringValue ?? ""
        let name = title.isEmpty ? "Widget \(number)" : "Widget \(number) (“\(title)”)"
        func fail(_ message: String) -> StewardError { .badRequest("\(name): \(message)") }
        guard let kindText = item["kind"]?.stringValue else {
            throw fail("say which kind it is (\(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let kind = Kind(rawValue: kindText) else {
            throw fail("unknown kind '\(kindText)'; use one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard title.count <= 100 else { throw fail("the title is longer than 100 characters") }
        guard case .array(let deviceItems)? = item["devices"], !deviceItems.isEmpty else {
            throw fail("name at least one device in \"devices\"")
        }
        guard deviceItems.count <= maximumDevicesPerWidget else { throw fail("at most \(maximumDevicesPerWidget) devices") }
        var devices: [DeviceID] = []
        for device in deviceItems {
            guard let text = device.stringValue, let id = DeviceID(text) else { throw fail("\(device.serialized) is not a device id") }
            devices.append(id)
        }
        var keys: [String] = []
        if case .array(let keyItems)? = item["keys"] {
            guard keyItems.count <= maximumKeysPerWidget else { throw fail("at most \(maximumKeysPerWidget) keys") }
            for key in keyItems {
                guard let text = key.stringValue, !text.isEmpty, text.count <= 255 else { throw fail("\(key.serialized) is not a key") }
                keys.append(text)
            }
        } else if item["keys"] != nil, item["keys"] != .null {
            throw fail("\"keys\" must be a list of key names")
        }
        if [.timeseries, .latest].contains(kind), keys.isEmpty { throw fail("name the keys to show in \"keys\"") }
        let method = item["method"]?.stringValue
        if kind == .rpc, (method ?? "").isEmpty { throw fail("a command button needs the \"method\" it sends") }
        func cell(_ field: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(StewardError) -> Int {
            guard let value = item[field] else { return fallback }
            guard case .number = value, let number = value.int64Value, range.contains(Int(number)) else {
                throw fail("\"\(field)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(number)
        }
        let x = try cell("x", 0, 0...(columns - 1))
        let y = try cell("y", 0, 0...maximumRows)
        let w = try cell("w", 6, 1...columns)
        let h = try cell("h", 4, 1...12)
        guard x + w <= columns else { throw fail("it does not fit the grid: x \(x) + w \(w) is more than \(columns) columns") }
        return Widget(kind: kind, title: title, devices: devices, keys: keys, method: method, x: x, y: y, w: w, h: h)
    }

    /// The layout as JSON text, as stored.
    public var json: String {
        JSONValue.object([
            JSONMember(
                "widgets",
                .array(
                    widgets.map { widget in
                        var members = [
                            JSONMember("kind", .string(widget.kind.rawValue)), JSONMember("title", .string(widget.title)),
                            JSONMember("devices", .array(widget.devices.map { .string($0.description) })),
                            JSONMember("keys", .array(widget.keys.map(JSONValue.string))),
                        ]
                        if let method = widget.method { members.append(JSONMember("method", .string(method))) }
                        members += [
                            JSONMember("x", .number(String(widget.x))), JSONMember("y", .number(String(widget.y))),
                            JSONMember("w", .number(String(widget.w))), JSONMember("h", .number(String(widget.h))),
                        ]
                        return .object(members)
                    }))
        ]).serialized
    }
}
