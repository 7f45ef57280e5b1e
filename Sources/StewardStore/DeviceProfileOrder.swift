import Foundation
import StewardCore

/// How a page of device profiles is ordered: ThingsBoard's `sortProperty` and `sortOrder` for `/api/deviceProfiles`.
/// Each case maps to a fixed column, so no caller text reaches the SQL.
public struct DeviceProfileOrder: Sendable, Equatable {
    public enum Property: String, Sendable, CaseIterable {
        case createdTime, name, description, isDefault
    }

    public var property: Property
    public var ascending: Bool

    public init(property: Property = .createdTime, ascending: Bool = true) {
        self.property = property
        self.ascending = ascending
    }

    /// Reads ThingsBoard's query parameters; an unknown property or order is refused, naming the ones accepted.
    public init(sortProperty: String?, sortOrder: String?) throws(StewardError) {
        var order = DeviceProfileOrder()
        if let sortProperty, !sortProperty.isEmpty {
            guard let property = Property(rawValue: sortProperty) else {
                let known = Property.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badRequest("Unsupported sort property '\(sortProperty)'; use one of: \(known)")
            }
            order.property = property
        }
        if let sortOrder, !sortOrder.isEmpty {
            switch sortOrder.uppercased() {
            case "ASC": order.ascending = true
            case "DESC": order.ascending = false
            default: throw .badRequest("Unsupported sort order '\(sortOrder)'; use ASC or DESC")
            }
        }
        self = order
    }

    /// The ORDER BY clause for both backends (the id breaks ties, so pages never overlap).
    public var sql: String {
        let column: String
        switch property {
        case .createdTime: column = "created_time"
        case .name: column = "LOWER(name)"
        case .description: column = "LOWER(COALESCE(description, ''))"
        case .isDefault: column = "is_default"
        }
        let direction = ascending ? "ASC" : "DESC"
        return "\(column) \(direction), id \(direction)"
    }

    /// The statement that saves a profile's editable settings (its name and default flag change elsewhere), the same
    /// on both backends; its arguments are description, inactivity timeout, TTL, provisioning key, secret and strategy, tenant, id.
    public static let updateSQL = """
        UPDATE device_profile SET description = ?, inactivity_timeout = ?, storage_ttl = ?, provision_key = ?,
            provision_secret = ?, provision_strategy = ?
        WHERE tenant_id = ? AND id = ?
        """

    /// The WHERE clause of a tenant's profiles whose name contains the search, ignoring case (`%`, `_` and `\`
    /// taken literally), and its arguments after the tenant.
    public static func filter(textSearch: String?, like: String) -> (sql: String, pattern: String?) {
        guard let textSearch, !textSearch.isEmpty else { return ("tenant_id = ?", nil) }
        let escaped = textSearch.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return ("tenant_id = ? AND name \(like) ? ESCAPE '\\'", "%\(escaped)%")
    }
}
