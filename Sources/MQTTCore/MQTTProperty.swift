import NIOCore

/// An MQTT 5 property (MQTT 5 spec, section 2.2.2.2).
///
/// One case per property identifier so the compiler enforces the wire type of each value; binary values
/// are `ByteBuffer` slices of the received packet so decoding never copies them.
public enum MQTTProperty: Sendable, Equatable {
    /// 0x01, byte: 0 = unspecified bytes, 1 = UTF-8 payload.
    case payloadFormatIndicator(UInt8)
    /// 0x02, four-byte integer: lifetime of the message in seconds.
    case messageExpiryInterval(UInt32)
    /// 0x03, UTF-8 string: MIME type of the payload.
    case contentType(String)
    /// 0x08, UTF-8 string: topic for a request/response reply.
    case responseTopic(String)
    /// 0x09, binary data: lets a requester match a response.
    case correlationData(ByteBuffer)
    /// 0x0B, variable byte integer (1...268,435,455): identifies the subscription(s) a message matched.
    case subscriptionIdentifier(UInt32)
    /// 0x11, four-byte integer: how long the session outlives the connection, in seconds.
    case sessionExpiryInterval(UInt32)
    /// 0x12, UTF-8 string: client identifier chosen by the server when the client sent an empty one.
    case assignedClientIdentifier(String)
    /// 0x13, two-byte integer: keep alive the server wants the client to use.
    case serverKeepAlive(UInt16)
    /// 0x15, UTF-8 string: name of the extended authentication method.
    case authenticationMethod(String)
    /// 0x16, binary data: method-specific authentication data.
    case authenticationData(ByteBuffer)
    /// 0x17, byte (0/1): whether the server may send reason strings / user properties on failures.
    case requestProblemInformation(UInt8)
    /// 0x18, four-byte integer: delay in seconds before a will message is published.
    case willDelayInterval(UInt32)
    /// 0x19, byte (0/1): client asks for response information in CONNACK.
    case requestResponseInformation(UInt8)
    /// 0x1A, UTF-8 string: basis for creating response topics.
    case responseInformation(String)
    /// 0x1C, UTF-8 string: another server the client should use.
    case serverReference(String)
    /// 0x1F, UTF-8 string: human readable diagnostic attached to a reason code.
    case reasonString(String)
    /// 0x21, two-byte integer (> 0): maximum concurrent unacknowledged QoS 1/2 publications accepted.
    case receiveMaximum(UInt16)
    /// 0x22, two-byte integer: highest topic alias the sender accepts.
    case topicAliasMaximum(UInt16)
    /// 0x23, two-byte integer (> 0): topic alias used instead of (or to register) a topic name.
    case topicAlias(UInt16)
    /// 0x24, byte (0/1): highest QoS the server supports.
    case maximumQoS(UInt8)
    /// 0x25, byte (0/1): whether the server supports retained messages.
    case retainAvailable(UInt8)
    /// 0x26, UTF-8 string pair: application defined name/value; may repeat.
    case userProperty(String, String)
    /// 0x27, four-byte integer (> 0): largest packet the sender is willing to accept.
    case maximumPacketSize(UInt32)
    /// 0x28, byte (0/1): whether the server supports wildcard subscriptions.
    case wildcardSubscriptionAvailable(UInt8)
    /// 0x29, byte (0/1): whether the server supports subscription identifiers.
    case subscriptionIdentifierAvailable(UInt8)
    /// 0x2A, byte (0/1): whether the server supports shared subscriptions.
    case sharedSubscriptionAvailable(UInt8)

    /// The property identifier written on the wire; useful for logging and for de-duplicating.
    public var identifier: UInt8 {
        switch self {
        case .payloadFormatIndicator: return 0x01
        case .messageExpiryInterval: return 0x02
        case .contentType: return 0x03
        case .responseTopic: return 0x08
        case .correlationData: return 0x09
        case .subscriptionIdentifier: return 0x0B
        case .sessionExpiryInterval: return 0x11
        case .assignedClientIdentifier: return 0x12
        case .serverKeepAlive: return 0x13
        case .authenticationMethod: return 0x15
        case .authenticationData: return 0x16
        case .requestProblemInformation: return 0x17
        case .willDelayInterval: return 0x18
        case .requestResponseInformation: return 0x19
        case .responseInformation: return 0x1A
        case .serverReference: return 0x1C
        case .reasonString: return 0x1F
        case .receiveMaximum: return 0x21
        case .topicAliasMaximum: return 0x22
        case .topicAlias: return 0x23
        case .maximumQoS: return 0x24
        case .retainAvailable: return 0x25
        case .userProperty: return 0x26
        case .maximumPacketSize: return 0x27
        case .wildcardSubscriptionAvailable: return 0x28
        case .subscriptionIdentifierAvailable: return 0x29
        case .sharedSubscriptionAvailable: return 0x2A
        }
    }

    /// Spec name of a property identifier, for error messages and logs; nil for unknown identifiers.
    public static func name(forIdentifier identifier: UInt8) -> String? {
        switch identifier {
        case 0x01: return "Payload Format Indicator"
        case 0x02: return "Message Expiry Interval"
        case 0x03: return "Content Type"
        case 0x08: return "Response Topic"
        case 0x09: return "Correlation Data"
        case 0x0B: return "Subscription Identifier"
        case 0x11: return "Session Expiry Interval"
        case 0x12: return "Assigned Client Identifier"
        case 0x13: return "Server Keep Alive"
        case 0x15: return "Authentication Method"
        case 0x16: return "Authentication Data"
        case 0x17: return "Request Problem Information"
        case 0x18: return "Will Delay Interval"
        case 0x19: return "Request Response Information"
        case 0x1A: return "Response Information"
        case 0x1C: return "Server Reference"
        case 0x1F: return "Reason String"
        case 0x21: return "Receive Maximum"
        case 0x22: return "Topic Alias Maximum"
        case 0x23: return "Topic Alias"
        case 0x24: return "Maximum QoS"
        case 0x25: return "Retain Available"
        case 0x26: return "User Property"
        case 0x27: return "Maximum Packet Size"
        case 0x28: return "Wildcard Subscription Available"
        case 0x29: return "Subscription Identifier Available"
        case 0x2A: return "Shared Subscription Available"
        default: return nil
        }
    }

    /// Bytes this property occupies on the wire, identifier included.
    var encodedSize: Int {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            return 2
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
            return 3
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
            return 5
        case .subscriptionIdentifier(let value):
            return 1 + mqttVariableByteIntegerSize(Int(value))
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s),
            .reasonString(let s):
            return 1 + mqttStringSize(s)
        case .correlationData(let b), .authenticationData(let b):
            return 3 + b.readableBytes
        case .userProperty(let key, let value):
            return 1 + mqttStringSize(key) + mqttStringSize(value)
        }
    }
}

extension ByteBuffer {
    /// Writes one property (identifier + value).
    mutating func writeMQTTProperty(_ property: MQTTProperty) {
        self.writeInteger(property.identifier)
        switch property {
        case .payloadFormatIndicator(let v), .requestProblemInformation(let v), .requestResponseInformation(let v),
            .maximumQoS(let v), .retainAvailable(let v), .wildcardSubscriptionAvailable(let v),
            .subscriptionIdentifierAvailable(let v), .sharedSubscriptionAvailable(let v):
            self.writeInteger(v)
        case .serverKeepAlive(let v), .receiveMaximum(let v), .topicAliasMaximum(let v), .topicAlias(let v):
            self.writeInteger(v)
        case .messageExpiryInterval(let v), .sessionExpiryInterval(let v), .willDelayInterval(let v),
            .maximumPacketSize(let v):
            self.writeInteger(v)
        case .subscriptionIdentifier(let v):
            self.writeMQTTVariableByteInteger(Int(v))
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s),
            .reasonString(let s):
            self.writeMQTTString(s)
        case .correlationData(let b), .authenticationData(let b):
            self.writeMQTTBinary(b)
        case .userProperty(let key, let value):
            self.writeMQTTString(key)
            self.writeMQTTString(value)
        }
    }
}
