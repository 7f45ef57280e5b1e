import Foundation
import StewardCore

/// A server-side RPC typed into the console (method, JSON params, one-way or two-way), checked before anything is
/// sent, and what became of it in words. Sent through `DeviceHub.callRPC`, the same path as REST's RPC routes.
public struct DeviceCommand: Sendable, Equatable {
    public var method: String
    /// The params as compact JSON (`null` when none were given).
    public var paramsJSON: String
    public var oneWay: Bool
    public var timeoutMillis: Int64

    /// ThingsBoard's switch widget waits this long for its device.
    public static let switchTimeoutMillis: Int64 = 5_000
    /// REST's default, for commands typed into the console.
    public static let defaultTimeoutMillis: Int64 = 10_000

    public init(method: String, paramsJSON: String, oneWay: Bool, timeoutMillis: Int64 = DeviceCommand.defaultTimeoutMillis) {
        self.method = method
        self.paramsJSON = paramsJSON
        self.oneWay = oneWay
        self.timeoutMillis = timeoutMillis
    }

    /// From a form: a method is required, params must be JSON when given (a bare word is refused, as it would reach
    /// the device as something it did not ask for).
    public static func parse(method: String?, params: String?, oneWay: Bool) throws(StewardError) -> DeviceCommand {
        let name = (method ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .badRequest("Give the RPC method, e.g. setValue") }
        guard name.count <= 255 else { throw .badRequest("The RPC method name is longer than 255 characters") }
        let text = (params ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var json = "null"
        if !text.isEmpty {
            do {
                json = try JSONParser.parse(Array(text.utf8)).serialized
            } catch {
                throw .badRequest("The params are not valid JSON (\(error)); write e.g. {\"pin\": 4} or true")
            }
        }
        return DeviceCommand(method: name, paramsJSON: json, oneWay: oneWay)
    }

    /// ThingsBoard's switch convention: `getValue` when shown, `setValue` with true or false, 5 s to answer.
    public static func switchRead() -> DeviceCommand {
        DeviceCommand(method: "getValue", paramsJSON: "null", oneWay: false, timeoutMillis: switchTimeoutMillis)
    }

    public static func switchSet(_ on: Bool) -> DeviceCommand {
        DeviceCommand(method: "setValue", paramsJSON: on ? "true" : "false", oneWay: false, timeoutMillis: switchTimeoutMillis)
    }

    /// A switch state in a device's answer: `true`/`false`, `1`/`0`, `"on"`/`"off"`, or an object with a `value`.
    public static func switchState(_ reply: String) -> Bool? {
        guard let json = try? JSONParser.parse(Array(reply.utf8)) else { return nil }
        func state(_ value: JSONValue) -> Bool? {
            switch value {
            case .bool(let on): return on
            case .number(let number): return Double(number).map { $0 != 0 }
            case .string(let text):
                switch text.lowercased() {
                case "true", "on", "1": return true
                case "false", "off", "0": return false
                default: return nil
                }
            case .object: return value["value"].flatMap(state)
            default: return nil
            }
        }
        return state(json)
    }
}

/// What became of a command, for a person to read.
public struct DeviceCommandResult: Sendable, Equatable {
    public var ok: Bool
    public var message: String
    /// The device's answer verbatim (two-way), nil otherwise.
    public var reply: String?

    public init(_ command: DeviceCommand, _ outcome: RPCOutcome) {
        switch outcome {
        case .delivered:
            self.init(ok: true, message: "Sent '\(command.method)' to the device (one-way: no answer expected).")
        case .reply(let payload):
            self.init(ok: true, message: "The device answered '\(command.method)'.", reply: payload)
        case .timeout:
            let seconds = command.timeoutMillis / 1_000
            self.init(
                ok: false,
                message: command.oneWay
                    ? "No connected device took '\(command.method)' within \(seconds) s: is the device online and subscribed to v1/devices/me/rpc/request/+?"
                    : "The device did not answer '\(command.method)' within \(seconds) s: is it online and subscribed to v1/devices/me/rpc/request/+?")
        case .abandoned:
            self.init(ok: false, message: "'\(command.method)' was dropped because the request went away.")
        case .refused(let refusal):
            self.init(ok: false, message: refusal.description)
        }
    }

    public init(ok: Bool, message: String, reply: String? = nil) {
        self.ok = ok
        self.message = message
        self.reply = reply
    }
}
