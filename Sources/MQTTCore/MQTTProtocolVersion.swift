/// The MQTT protocol revision spoken on a connection.
///
/// The raw value is the protocol level byte carried in CONNECT, so a decoder can map the wire byte
/// straight to a version and an encoder can write it back without a lookup table.
public enum MQTTProtocolVersion: UInt8, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// MQTT 3.1 (protocol name "MQIsdp", level 3). Wire format is identical to 3.1.1 for our purposes.
    case v3_1 = 3
    /// MQTT 3.1.1 (protocol name "MQTT", level 4).
    case v3_1_1 = 4
    /// MQTT 5.0 (protocol name "MQTT", level 5): adds properties, reason codes and AUTH.
    case v5 = 5

    /// Whether packets carry MQTT 5 properties and reason codes; the codec branches on this everywhere.
    @inlinable
    public var isV5: Bool { self == .v5 }

    /// Human readable name for logs ("3.1", "3.1.1", "5").
    public var description: String {
        switch self {
        case .v3_1: return "3.1"
        case .v3_1_1: return "3.1.1"
        case .v5: return "5"
        }
    }
}

/// MQTT delivery guarantee. `Comparable` so that the effective QoS of a delivery can be computed as
/// `min(publishQoS, subscriptionQoS)`.
public enum MQTTQoS: UInt8, Sendable, Equatable, Hashable, Comparable {
    /// Fire and forget; no packet identifier, no acknowledgement.
    case atMostOnce = 0
    /// Acknowledged by PUBACK; may be delivered more than once.
    case atLeastOnce = 1
    /// Four-way PUBLISH/PUBREC/PUBREL/PUBCOMP handshake; delivered exactly once.
    case exactlyOnce = 2

    /// Orders by guarantee strength, i.e. by raw value.
    @inlinable
    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
