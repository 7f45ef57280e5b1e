import Foundation
import StewardCore

/// Prints results either as JSON (one document) or as text lines.
enum Output {
    static func print(_ json: JSONValue, asJSON: Bool, text: @autoclosure () -> String) {
        let line = asJSON ? json.serialized : text()
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
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

    /// `{"key":[{"ts":…,"value":…}]}` with typed values.
    static func series(_ series: [(String, [TimeSeriesPoint])]) -> JSONValue {
        .object(
            series.map { key, points in
                JSONMember(
                    key,
                    .array(
                        points.map { point in
                            .object([JSONMember("ts", .number(String(point.ts))), JSONMember("value", typed(point.value))])
                        }))
            })
    }

    static func typed(_ value: KVValue) -> JSONValue {
        switch value {
        case .bool(let b): return .bool(b)
        case .long(let l): return .number(String(l))
        case .double(let d): return d.isFinite ? .number(KVValue.format(d)) : .null
        case .string(let s): return .string(s)
        case .json(let j): return (try? JSONParser.parse(j)) ?? .string(j)
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        exit(1)
    }
}
