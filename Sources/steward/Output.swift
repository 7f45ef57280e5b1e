import Foundation
import StewardCore

/// Prints results either as JSON (one document) or as text lines.
enum Output {
    static func print(_ json: JSONValue, asJSON: Bool, text: @autoclosure () -> String) {
        print(json: json.serialized, asJSON: asJSON, text: text())
    }

    /// Same, for JSON already rendered as text.
    static func print(json: @autoclosure () -> String, asJSON: Bool, text: @autoclosure () -> String) {
        let line = asJSON ? json() : text()
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func tenant(_ tenant: Tenant) -> JSONValue {
        .object([JSONMember("id", .string(tenant.id.description)), JSONMember("name", .string(tenant.name))])
    }

    static func id(_ value: (any CustomStringConvertible)?) -> JSONValue {
        value.map { .string($0.description) } ?? .null
    }

    static func device(_ device: Device) -> JSONValue {
        .object([
            JSONMember("id", .string(device.id.description)),
            JSONMember("name", .string(device.name)),
            JSONMember("type", .string(device.type)),
            JSONMember("tenantId", .string(device.tenantID.description)),
            JSONMember("customerId", id(device.customerID)),
            JSONMember("gateway", .bool(device.isGateway)),
            JSONMember("accessToken", .string(device.accessToken)),
            JSONMember("createdTime", .number(String(device.createdTime))),
        ])
    }

    static func user(_ user: User) -> JSONValue {
        .object([
            JSONMember("id", .string(user.id.description)),
            JSONMember("email", .string(user.email)),
            JSONMember("authority", .string(user.authority.rawValue)),
            JSONMember("tenantId", id(user.tenantID)),
            JSONMember("customerId", id(user.customerID)),
        ])
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        exit(1)
    }
}
