import Foundation

/// A typed identifier, so a device id can never be passed where a tenant id is expected.
///
/// ThingsBoard exposes ids as `{"entityType": "DEVICE", "id": "<uuid>"}`; `Kind.entityType` supplies that
/// discriminator so every id renders itself in the wire shape.
public struct EntityID<Kind: EntityKind>: Hashable, Sendable, CustomStringConvertible, Codable {
    public let uuid: UUID

    public init(_ uuid: UUID = UUID()) { self.uuid = uuid }

    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a UUID")
        }
        self.uuid = uuid
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The entity families that own an id.
public protocol EntityKind: Sendable {
    static var entityType: String { get }
}

public enum TenantKind: EntityKind { public static let entityType = "TENANT" }
public enum CustomerKind: EntityKind { public static let entityType = "CUSTOMER" }
public enum UserKind: EntityKind { public static let entityType = "USER" }
public enum DeviceKind: EntityKind { public static let entityType = "DEVICE" }
public enum DeviceProfileKind: EntityKind { public static let entityType = "DEVICE_PROFILE" }

public typealias TenantID = EntityID<TenantKind>
public typealias CustomerID = EntityID<CustomerKind>
public typealias UserID = EntityID<UserKind>
public typealias DeviceID = EntityID<DeviceKind>
public typealias DeviceProfileID = EntityID<DeviceProfileKind>

extension UUID {
    /// ThingsBoard's `EntityId.NULL_UUID`, used on the wire for "no customer".
    public static let thingsBoardNull = UUID(uuidString: "13814000-1dd2-11b2-8080-808080808080")!
}
