import StewardCore
import StewardStore

/// Reads ThingsBoard's two WebSocket envelopes into commands, and checks each command's fields.
///
/// - Telemetry plugin (`/api/ws/plugins/telemetry`): `{"tsSubCmds":[…],"attrSubCmds":[…],"historyCmds":[…]}`.
/// - General (`/api/ws`): `{"authCmd":{"cmdId":0,"token":"…"},"cmds":[{"type":"TIMESERIES",…}]}` with `type`
///   TIMESERIES, ATTRIBUTES or TIMESERIES_HISTORY; `unsubscribe: true` stops one, as in ThingsBoard (whose `WsCmdType`
///   has no TIMESERIES_UNSUBSCRIBE or ATTRIBUTES_UNSUBSCRIBE; Steward accepts those two names as well).
///
/// A message that cannot be read at all is refused as a whole (subscription id 0); a bad command is refused on its
/// own, with its `cmdId`, and the others still run.
public enum LiveCommandParser {
    /// Which command a client sent, before its fields are checked.
    public enum Kind: Sendable, Equatable {
        case timeseries, attributes, history
    }

    /// One command of a message.
    public struct Command: Sendable, Equatable {
        public var cmdId: Int
        public var kind: Kind
        public var unsubscribe: Bool
        public var body: JSONValue
    }

    /// A message read from one text frame.
    public struct Message: Sendable, Equatable {
        /// The token of an `authCmd` (general endpoint only).
        public var token: String?
        public var commands: [Command] = []
        /// Refusals to send back: (subscription id, message).
        public var errors: [(Int, String)] = []

        public static func == (lhs: Message, rhs: Message) -> Bool {
            lhs.token == rhs.token && lhs.commands == rhs.commands && lhs.errors.map(\.0) == rhs.errors.map(\.0)
                && lhs.errors.map(\.1) == rhs.errors.map(\.1)
        }
    }

    static let pluginArrays: [(String, Kind)] = [("tsSubCmds", .timeseries), ("attrSubCmds", .attributes), ("historyCmds", .history)]
    static let generalTypes: [String: (Kind, Bool)] = [
        "TIMESERIES": (.timeseries, false), "ATTRIBUTES": (.attributes, false), "TIMESERIES_HISTORY": (.history, false),
        "TIMESERIES_UNSUBSCRIBE": (.timeseries, true), "ATTRIBUTES_UNSUBSCRIBE": (.attributes, true),
    ]
    /// ThingsBoard commands Steward does not serve, named so a client learns it is a known but missing feature.
    static let unsupported: Set<String> = [
        "entityDataCmds", "entityDataUnsubscribeCmds", "alarmDataCmds", "alarmDataUnsubscribeCmds", "entityCountCmds",
        "entityCountUnsubscribeCmds", "alarmCountCmds", "alarmCountUnsubscribeCmds", "ENTITY_DATA", "ENTITY_COUNT", "ALARM_DATA",
        "ALARM_COUNT", "ALARM_STATUS", "NOTIFICATIONS", "NOTIFICATIONS_COUNT", "MARK_NOTIFICATIONS_AS_READ",
        "MARK_ALL_NOTIFICATIONS_AS_READ", "ENTITY_DATA_UNSUBSCRIBE", "ENTITY_COUNT_UNSUBSCRIBE", "ALARM_DATA_UNSUBSCRIBE",
        "ALARM_COUNT_UNSUBSCRIBE", "ALARM_STATUS_UNSUBSCRIBE", "NOTIFICATIONS_UNSUBSCRIBE",
    ]

    /// Reads a frame's text; throws the whole-message refusal when it is not a JSON object.
    public static func parse(_ text: String, general: Bool) throws(StewardError) -> Message {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw .badRequest("Failed to parse the payload: \(error.description)")
        }
        guard let members = json.objectMembers else {
            throw .badRequest("Failed to parse the payload: a command message is a JSON object")
        }
        var message = Message()
        for member in members {
            if general {
                switch member.key {
                case "authCmd":
                    guard let token = member.value["token"]?.stringValue, !token.isEmpty else {
                        message.errors.append((0, "authCmd needs a token: {\"authCmd\":{\"cmdId\":0,\"token\":\"<JWT>\"}}"))
                        continue
                    }
                    message.token = token
                case "cmds":
                    readGeneral(member.value, into: &message)
                default:
                    message.errors.append((0, unknownKey(member.key, expected: "authCmd and cmds")))
                }
            } else if let kind = pluginArrays.first(where: { $0.0 == member.key })?.1 {
                readArray(member.value, name: member.key, into: &message) { body in (kind, false) }
            } else {
                message.errors.append((0, unknownKey(member.key, expected: "tsSubCmds, attrSubCmds and historyCmds")))
            }
        }
        return message
    }

    static func unknownKey(_ key: String, expected: String) -> String {
        if unsupported.contains(key) { return "\(key) is not supported by Steward; it serves \(expected)" }
        return "Unknown command '\(key)'; Steward serves \(expected)"
    }

    static func readGeneral(_ value: JSONValue, into message: inout Message) {
        readArray(value, name: "cmds", into: &message) { body throws(StewardError) in
            guard let type = body["type"]?.stringValue else {
                throw .badRequest("Command type is missing; use TIMESERIES, ATTRIBUTES or TIMESERIES_HISTORY")
            }
            guard let known = generalTypes[type] else {
                throw .badRequest(unknownKey(type, expected: "TIMESERIES, ATTRIBUTES and TIMESERIES_HISTORY"))
            }
            return known
        }
    }

    static func readArray(
        _ value: JSONValue, name: String, into message: inout Message,
        kind: (JSONValue) throws(StewardError) -> (Kind, Bool)
    ) {
        guard case .array(let items) = value else {
            message.errors.append((0, "\(name) must be an array of commands"))
            return
        }
        for item in items {
            guard case .object = item else {
                message.errors.append((0, "Each of \(name) must be a JSON object"))
                continue
            }
            guard let id = item["cmdId"]?.int64Value, let cmdId = Int(exactly: id), cmdId >= 0, cmdId <= Int(Int32.max) else {
                message.errors.append((0, "cmdId is missing or not a non-negative integer in \(name)"))
                continue
            }
            do {
                let (found, unsubscribeType) = try kind(item)
                let unsubscribe = unsubscribeType || item["unsubscribe"] == .bool(true)
                message.commands.append(Command(cmdId: cmdId, kind: found, unsubscribe: unsubscribe, body: item))
            } catch {
                message.errors.append((cmdId, error.message))
            }
        }
    }

    // MARK: Fields

    /// The checked request of a subscribe or history command; throws what is wrong with it.
    public static func request(_ command: Command, scope: Scope, now: Int64) throws(StewardError) -> LiveRequest {
        let body = command.body
        guard let entityType = body["entityType"]?.stringValue else {
            throw .badRequest("entityType is missing; Steward serves DEVICE")
        }
        guard entityType == "DEVICE" else {
            throw .badRequest("Entity type \(entityType) is not supported; Steward serves DEVICE")
        }
        guard let entityId = body["entityId"]?.stringValue, !entityId.isEmpty else { throw .badRequest("entityId is missing") }
        let keys = try keyList(body["keys"])
        let operation: LiveRequest.Operation
        switch command.kind {
        case .timeseries:
            if let scope = body["scope"]?.stringValue, scope != "LATEST_TELEMETRY" {
                throw .badRequest("Invalid scope \(scope) for a time-series subscription; use LATEST_TELEMETRY")
            }
            operation = .timeseries(keys: keys, window: try window(body, keys: keys, now: now))
        case .attributes:
            var attributeScope: AttributeScope?
            if let text = body["scope"]?.stringValue {
                guard let parsed = AttributeScope(rawValue: text) else {
                    throw .badRequest("Invalid scope: \(text). Use CLIENT_SCOPE, SERVER_SCOPE or SHARED_SCOPE")
                }
                attributeScope = parsed
            }
            operation = .attributes(scope: attributeScope, keys: keys)
        case .history:
            guard let keys else { throw .badRequest("keys is missing: a history command names the keys to read") }
            guard let start = try integer(body, "startTs"), let end = try integer(body, "endTs") else {
                throw .badRequest("startTs and endTs are required (milliseconds) in a history command")
            }
            operation = .history(try query(body, keys: keys, start: start, end: end))
        }
        return LiveRequest(cmdId: command.cmdId, deviceID: entityId, operation: operation, scope: scope)
    }

    /// A live subscription's opening window: `startTs` (or `timeWindow` before now) to now, when either is given.
    static func window(_ body: JSONValue, keys: [String]?, now: Int64) throws(StewardError) -> TimeSeriesQuery? {
        let start = try integer(body, "startTs") ?? 0
        let window = try integer(body, "timeWindow") ?? 0
        guard start > 0 || window > 0 else { return nil }
        guard let keys else { throw .badRequest("keys is missing: a subscription with startTs or timeWindow names its keys") }
        return try query(body, keys: keys, start: start > 0 ? start : now - window, end: now)
    }

    /// The most points per key one answer carries, so a single command cannot ask for a frame of unbounded size.
    public static let maximumPoints: Int64 = 10_000

    static func query(_ body: JSONValue, keys: [String], start: Int64, end: Int64) throws(StewardError) -> TimeSeriesQuery {
        let aggText = body["agg"]?.stringValue ?? "NONE"
        guard let aggregation = Aggregation(rawValue: aggText) else {
            throw .badRequest("Invalid agg: \(aggText). Use NONE, AVG, MIN, MAX, SUM or COUNT")
        }
        let interval = try integer(body, "interval") ?? 0
        let limit = try integer(body, "limit") ?? 0
        let query = TimeSeriesQuery(
            keys: keys, startTs: start, endTs: end, interval: interval, aggregation: aggregation,
            limit: limit > 0 ? Int(min(limit, maximumPoints)) : 100, ascending: false)
        try query.validate()
        return query
    }

    static func integer(_ body: JSONValue, _ name: String) throws(StewardError) -> Int64? {
        guard let value = body[name], value != .null else { return nil }
        guard let number = value.int64Value, number >= 0 else { throw .badRequest("\(name) must be a non-negative integer") }
        return number
    }

    /// ThingsBoard's `keys`: comma-separated text; an array is accepted too. Empty means every key.
    static func keyList(_ value: JSONValue?) throws(StewardError) -> [String]? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            let keys = ThingsBoardJSON.splitKeys(text)
            return keys.isEmpty ? nil : keys
        case .array(let items)?:
            var keys: [String] = []
            for item in items {
                guard let key = item.stringValue else { throw .badRequest("keys must be text such as \"temperature,humidity\"") }
                keys.append(key)
            }
            return keys.isEmpty ? nil : keys
        default:
            throw .badRequest("keys must be text such as \"temperature,humidity\"")
        }
    }
}
