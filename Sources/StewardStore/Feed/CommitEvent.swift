import StewardCore

/// Something that is now durable in the store, told to feed subscribers after its commit.
///
/// Live views, alarm rules and outbound integrations react to these; none of them sits on the path before a
/// device's acknowledgement.
public enum CommitEvent: Sendable, Equatable {
    /// A committed telemetry batch.
    case telemetry(CommittedTelemetry)
    /// Attributes saved or deleted.
    case attributes(AttributeChange)

    /// The tenant the device belongs to; subscribers scope by it.
    public var tenant: TenantID {
        switch self {
        case .telemetry(let telemetry): telemetry.tenant
        case .attributes(let change): change.tenant
        }
    }

    /// The device the data belongs to.
    public var device: DeviceID {
        switch self {
        case .telemetry(let telemetry): telemetry.device
        case .attributes(let change): change.device
        }
    }
}

/// The readings of one committed batch.
public struct CommittedTelemetry: Sendable, Equatable {
    public var tenant: TenantID
    public var device: DeviceID
    /// The readings as the device sent them: plain even when the store keeps them sealed. The array is the
    /// batch's own (shared, not copied), so publishing costs nothing per reading.
    public var readings: [TimedValues]
    /// The keys stored sealed because they fall in a sensitive category, when the batch said so before the commit;
    /// nil when it did not (the backend decided at commit time). A subscriber that sends readings anywhere must
    /// treat nil as "any key may be sensitive".
    public var sensitiveKeys: Set<String>?

    public init(tenant: TenantID, device: DeviceID, readings: [TimedValues], sensitiveKeys: Set<String>? = nil) {
        self.tenant = tenant
        self.device = device
        self.readings = readings
        self.sensitiveKeys = sensitiveKeys
    }
}

/// Attributes of one device, saved or deleted in one call.
public struct AttributeChange: Sendable, Equatable {
    /// What happened to the attributes.
    public enum Change: Sendable, Equatable {
        /// These keys now hold these values.
        case saved([KeyValue])
        /// These keys were deleted (only those that existed).
        case deleted([String])
    }

    public var tenant: TenantID
    public var device: DeviceID
    public var scope: AttributeScope
    public var change: Change
    /// When the change was stored, in milliseconds since the epoch.
    public var ts: Int64
    /// Sensitive keys among them when known before the save, else nil: see `CommittedTelemetry.sensitiveKeys`.
    public var sensitiveKeys: Set<String>?

    public init(
        tenant: TenantID, device: DeviceID, scope: AttributeScope, change: Change, ts: Int64, sensitiveKeys: Set<String>? = nil
    ) {
        self.tenant = tenant
        self.device = device
        self.scope = scope
        self.change = change
        self.ts = ts
        self.sensitiveKeys = sensitiveKeys
    }

    /// The keys concerned, saved or deleted.
    public var keys: [String] {
        switch change {
        case .saved(let values): values.map(\.key)
        case .deleted(let keys): keys
        }
    }
}
