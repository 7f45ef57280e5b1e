import Foundation
import StewardCore

/// Entities in the JSON shapes ThingsBoard's REST API returns, so `tb-rest-client` and the CE client parse them.
enum EntityJSON {
    static func id(_ type: String, _ uuid: UUID?) -> JSONValue {
        .object([
            JSONMember("entityType", .string(type)),
            JSONMember("id", .string((uuid ?? .thingsBoardNull).uuidString.lowercased())),
        ])
    }

    static func number(_ value: Int64) -> JSONValue { .number(String(value)) }

    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    static func device(_ device: Device, defaultProfile: DeviceProfileID?) -> JSONValue {
        .object([
            JSONMember("id", id(DeviceKind.entityType, device.id.uuid)),
            JSONMember("createdTime", number(device.createdTime)),
            JSONMember("tenantId", id(TenantKind.entityType, device.tenantID.uuid)),
            JSONMember("customerId", id(CustomerKind.entityType, device.customerID?.uuid)),
            JSONMember("name", .string(device.name)),
            JSONMember("type", .string(device.type)),
            JSONMember("label", optional(device.label)),
            JSONMember("deviceProfileId", id(DeviceProfileKind.entityType, (device.profileID ?? defaultProfile)?.uuid)),
            JSONMember(
                "deviceData",
                .object([
                    JSONMember("configuration", .object([JSONMember("type", .string("DEFAULT"))])),
                    JSONMember("transportConfiguration", .object([JSONMember("type", .string("DEFAULT"))])),
                ])),
            JSONMember("firmwareId", .null),
            JSONMember("softwareId", .null),
            JSONMember("externalId", .null),
            JSONMember("version", number(1)),
            JSONMember(
                "additionalInfo",
                .object([
                    JSONMember("gateway", .bool(device.isGateway)),
                    JSONMember("overwriteActivityTime", .bool(false)),
                    JSONMember("description", .string("")),
                ])),
        ])
    }

    static func credentials(_ device: Device) -> JSONValue {
        .object([
            JSONMember("id", .object([JSONMember("id", .string(device.id.description))])),
            JSONMember("createdTime", number(device.createdTime)),
            JSONMember("deviceId", id(DeviceKind.entityType, device.id.uuid)),
            JSONMember("credentialsType", .string("ACCESS_TOKEN")),
            JSONMember("credentialsId", .string(device.accessToken)),
            JSONMember("credentialsValue", .null),
            JSONMember("version", number(1)),
        ])
    }

    static func tenant(_ tenant: Tenant) -> JSONValue {
        .object(
            [
                JSONMember("id", id(TenantKind.entityType, tenant.id.uuid)),
                JSONMember("createdTime", number(tenant.createdTime)),
                JSONMember("title", .string(tenant.name)),
                JSONMember("name", .string(tenant.name)),
                JSONMember("region", .string("Global")),
                JSONMember("tenantProfileId", id("TENANT_PROFILE", tenant.id.uuid)),
            ] + contactFields())
    }

    static func customer(_ customer: Customer) -> JSONValue {
        .object(
            [
                JSONMember("id", id(CustomerKind.entityType, customer.id.uuid)),
                JSONMember("createdTime", number(customer.createdTime)),
                JSONMember("tenantId", id(TenantKind.entityType, customer.tenantID.uuid)),
                JSONMember("title", .string(customer.name)),
                JSONMember("name", .string(customer.name)),
            ] + contactFields())
    }

    static func contactFields() -> [JSONMember] {
        ["country", "state", "city", "address", "address2", "zip", "phone", "email"].map { JSONMember($0, .null) } + [
            JSONMember("additionalInfo", .null), JSONMember("version", number(1)),
        ]
    }

    static func user(_ user: User) -> JSONValue {
        .object([
            JSONMember("id", id(UserKind.entityType, user.id.uuid)),
            JSONMember("createdTime", number(user.createdTime)),
            JSONMember("tenantId", id(TenantKind.entityType, user.tenantID?.uuid)),
            JSONMember("customerId", id(CustomerKind.entityType, user.customerID?.uuid)),
            JSONMember("email", .string(user.email)),
            JSONMember("authority", .string(user.authority.rawValue)),
            JSONMember("firstName", optional(user.firstName)),
            JSONMember("lastName", optional(user.lastName)),
            JSONMember("phone", .null),
            JSONMember("name", .string(user.email)),
            JSONMember("additionalInfo", .object([])),
            JSONMember("version", number(1)),
        ])
    }

    /// ThingsBoard's `PageData`; `page` and `pageSize` were checked by `WebContext.paging`, so the arithmetic fits.
    static func page(_ items: [JSONValue], total: Int, pageSize: Int, page: Int) -> JSONValue {
        let pages = pageSize > 0 ? (total + pageSize - 1) / pageSize : 0
        let (end, overflow) = (page + 1).multipliedReportingOverflow(by: pageSize)
        return .object([
            JSONMember("data", .array(items)),
            JSONMember("totalPages", .number(String(pages))),
            JSONMember("totalElements", .number(String(total))),
            JSONMember("hasNext", .bool(!overflow && end < total)),
        ])
    }

    /// Reads `{"id":"<uuid>"}` or a bare uuid string.
    static func uuid(from json: JSONValue?) -> UUID? {
        switch json {
        case .string(let s)?: return UUID(uuidString: s)
        case .object?: return json?["id"]?.stringValue.flatMap(UUID.init(uuidString:))
        default: return nil
        }
    }
}
