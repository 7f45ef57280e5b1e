import Foundation
import StewardCore
import StewardDevices

/// Device profiles in ThingsBoard's JSON shapes (`DeviceProfile`, `DeviceProfileInfo`), with Steward's two settings
/// ThingsBoard keeps elsewhere as top-level extras: `inactivityTimeout` (seconds; ThingsBoard reads a server
/// attribute) and `defaultTtl` (seconds readings are kept, null: as the privacy declaration says).
enum DeviceProfileJSON {
    static func profile(_ profile: DeviceProfile) -> JSONValue {
        let provisionType = profile.provisionStrategy?.rawValue ?? "DISABLED"
        return .object([
            JSONMember("id", EntityJSON.id(DeviceProfileKind.entityType, profile.id.uuid)),
            JSONMember("createdTime", EntityJSON.number(profile.createdTime)),
            JSONMember("tenantId", EntityJSON.id(TenantKind.entityType, profile.tenantID.uuid)),
            JSONMember("name", .string(profile.name)),
            JSONMember("description", EntityJSON.optional(profile.description)),
            JSONMember("image", .null),
            JSONMember("type", .string("DEFAULT")),
            JSONMember("transportType", .string("DEFAULT")),
            JSONMember("provisionType", .string(provisionType)),
            JSONMember("defaultRuleChainId", .null),
            JSONMember("defaultDashboardId", .null),
            JSONMember("defaultQueueName", .null),
            JSONMember("defaultEdgeRuleChainId", .null),
            JSONMember("firmwareId", .null),
            JSONMember("softwareId", .null),
            JSONMember("externalId", .null),
            JSONMember("provisionDeviceKey", EntityJSON.optional(profile.provisionKey)),
            JSONMember(
                "profileData",
                .object([
                    JSONMember("configuration", .object([JSONMember("type", .string("DEFAULT"))])),
                    JSONMember("transportConfiguration", .object([JSONMember("type", .string("DEFAULT"))])),
                    JSONMember(
                        "provisionConfiguration",
                        .object([
                            JSONMember("type", .string(provisionType)),
                            JSONMember("provisionDeviceSecret", EntityJSON.optional(profile.provisionSecret)),
                        ])),
                    JSONMember("alarms", .null),
                ])),
            JSONMember("default", .bool(profile.isDefault)),
            JSONMember("version", EntityJSON.number(1)),
            JSONMember("inactivityTimeout", EntityJSON.number(profile.inactivityTimeout)),
            JSONMember("defaultTtl", profile.storageTTL.map(EntityJSON.number) ?? .null),
        ])
    }

    /// The short form customer users may read: no provisioning secrets.
    static func info(_ profile: DeviceProfile) -> JSONValue {
        .object([
            JSONMember("id", EntityJSON.id(DeviceProfileKind.entityType, profile.id.uuid)),
            JSONMember("tenantId", EntityJSON.id(TenantKind.entityType, profile.tenantID.uuid)),
            JSONMember("name", .string(profile.name)),
            JSONMember("image", .null),
            JSONMember("defaultDashboardId", .null),
            JSONMember("type", .string("DEFAULT")),
            JSONMember("transportType", .string("DEFAULT")),
        ])
    }

    /// Reads a saved profile's body: `name` (required), `description`, `provisionType` with `provisionDeviceKey` and
    /// `profileData.provisionConfiguration.provisionDeviceSecret`, `default`, and the extras `inactivityTimeout` and
    /// `defaultTtl` (absent: kept; `defaultTtl: null` clears it). Wrong types are refused, naming the field.
    static func draft(_ body: JSONValue) throws -> DeviceProfileDraft {
        guard case .object = body else { throw StewardError.badRequest("Invalid request body: a device profile is a JSON object") }
        guard let name = body["name"]?.stringValue else { throw StewardError.badRequest("Device profile name should be specified!") }
        let description = try string(body, "description")
        let provisionType = try string(body, "provisionType") ?? "DISABLED"
        var strategy: ProvisionStrategy?
        if provisionType != "DISABLED" {
            guard let parsed = ProvisionStrategy(rawValue: provisionType) else {
                throw StewardError.badRequest(
                    "Unknown provisionType '\(provisionType)'; use DISABLED, ALLOW_CREATE_NEW_DEVICES or CHECK_PRE_PROVISIONED_DEVICES")
            }
            strategy = parsed
        }
        let key = try string(body, "provisionDeviceKey")
        let secret = try string(body["profileData"]?["provisionConfiguration"] ?? .null, "provisionDeviceSecret")
        if strategy != nil, key == nil || secret == nil {
            throw StewardError.badRequest("Provisioning \(provisionType) needs provisionDeviceKey and provisionDeviceSecret")
        }
        var draft = DeviceProfileDraft(
            name: name, description: description, provisionKey: strategy == nil ? nil : key,
            provisionSecret: strategy == nil ? nil : secret, provisionStrategy: strategy, makeDefault: body["default"] == .bool(true))
        if let timeout = body["inactivityTimeout"], timeout != .null {
            guard let seconds = timeout.int64Value, case .number = timeout else {
                throw StewardError.badRequest("inactivityTimeout must be a whole number of seconds")
            }
            draft.inactivityTimeout = seconds
        }
        switch body["defaultTtl"] {
        case nil: draft.storageTTL = nil
        case .null?: draft.storageTTL = .some(nil)
        case .number?:
            guard let seconds = body["defaultTtl"]?.int64Value else {
                throw StewardError.badRequest("defaultTtl must be a whole number of seconds or null")
            }
            draft.storageTTL = .some(seconds)
        default: throw StewardError.badRequest("defaultTtl must be a whole number of seconds or null")
        }
        return draft
    }

    static func string(_ object: JSONValue, _ field: String) throws -> String? {
        switch object[field] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw StewardError.badRequest("\(field) must be a string")
        }
    }
}
