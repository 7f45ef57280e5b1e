import NIOCore

/// The property list of an MQTT 5 packet, in wire order.
///
/// Kept as a plain array because packets carry few properties and order matters for user properties;
/// the typed getters below spare callers from pattern matching. On MQTT 3.1.1 it is always empty.
public struct MQTTProperties: Sendable, Equatable, ExpressibleByArrayLiteral, Sequence {
    /// The properties in wire order; repeatable properties (user property, subscription identifier) may
    /// appear several times.
    public var items: [MQTTProperty]

    /// Creates a property list; the default is empty, which encodes as a single zero byte on v5.
    @inlinable
    public init(_ items: [MQTTProperty] = []) {
        self.items = items
    }

    /// Lets call sites write `properties: [.reasonString("...")]`.
    @inlinable
    public init(arrayLiteral elements: MQTTProperty...) {
        self.items = elements
    }

    /// Iterates the properties in wire order.
    @inlinable
    public func makeIterator() -> IndexingIterator<[MQTTProperty]> { self.items.makeIterator() }

    /// True when there is nothing to encode; lets encoders pick the short packet forms.
    @inlinable
    public var isEmpty: Bool { self.items.isEmpty }

    /// Number of properties.
    @inlinable
    public var count: Int { self.items.count }

    /// Appends a property (keeps any existing one with the same identifier).
    @inlinable
    public mutating func append(_ property: MQTTProperty) { self.items.append(property) }

    /// Replaces every property with the same identifier by `property`, so single-valued properties stay unique.
    public mutating func set(_ property: MQTTProperty) {
        let id = property.identifier
        self.items.removeAll { $0.identifier == id }
        self.items.append(property)
    }

    /// Removes every property with the given identifier.
    public mutating func remove(identifier: UInt8) {
        self.items.removeAll { $0.identifier == identifier }
    }

    /// Bytes of the property list itself, without the length prefix.
    var encodedLength: Int {
        var total = 0
        for item in self.items { total += item.encodedSize }
        return total
    }

    /// Bytes of the property list including its Variable Byte Integer length prefix.
    var encodedSizeWithLength: Int {
        let length = self.encodedLength
        return mqttVariableByteIntegerSize(length) + length
    }
}

extension ByteBuffer {
    /// Writes a property length followed by the properties.
    mutating func writeMQTTProperties(_ properties: MQTTProperties) {
        if properties.items.isEmpty {
            self.writeInteger(UInt8(0))
            return
        }
        self.writeMQTTVariableByteInteger(properties.encodedLength)
        for item in properties.items { self.writeMQTTProperty(item) }
    }
}

// MARK: - Typed accessors

extension MQTTProperties {
    @inline(__always)
    private func first<T>(_ extract: (MQTTProperty) -> T?) -> T? {
        for item in self.items {
            if let value = extract(item) { return value }
        }
        return nil
    }

    /// 0x01 Payload Format Indicator.
    public var payloadFormatIndicator: UInt8? { first { if case .payloadFormatIndicator(let v) = $0 { v } else { nil } } }
    /// 0x02 Message Expiry Interval (seconds).
    public var messageExpiryInterval: UInt32? { first { if case .messageExpiryInterval(let v) = $0 { v } else { nil } } }
    /// 0x03 Content Type.
    public var contentType: String? { first { if case .contentType(let v) = $0 { v } else { nil } } }
    /// 0x08 Response Topic.
    public var responseTopic: String? { first { if case .responseTopic(let v) = $0 { v } else { nil } } }
    /// 0x09 Correlation Data.
    public var correlationData: ByteBuffer? { first { if case .correlationData(let v) = $0 { v } else { nil } } }
    /// Every 0x0B Subscription Identifier, in order (a forwarded PUBLISH may carry several).
    public var subscriptionIdentifiers: [UInt32] {
        self.items.compactMap { if case .subscriptionIdentifier(let v) = $0 { v } else { nil } }
    }
    /// 0x11 Session Expiry Interval (seconds).
    public var sessionExpiryInterval: UInt32? { first { if case .sessionExpiryInterval(let v) = $0 { v } else { nil } } }
    /// 0x12 Assigned Client Identifier.
    public var assignedClientIdentifier: String? { first { if case .assignedClientIdentifier(let v) = $0 { v } else { nil } } }
    /// 0x13 Server Keep Alive (seconds).
    public var serverKeepAlive: UInt16? { first { if case .serverKeepAlive(let v) = $0 { v } else { nil } } }
    /// 0x15 Authentication Method.
    public var authenticationMethod: String? { first { if case .authenticationMethod(let v) = $0 { v } else { nil } } }
    /// 0x16 Authentication Data.
    public var authenticationData: ByteBuffer? { first { if case .authenticationData(let v) = $0 { v } else { nil } } }
    /// 0x17 Request Problem Information.
    public var requestProblemInformation: UInt8? { first { if case .requestProblemInformation(let v) = $0 { v } else { nil } } }
    /// 0x18 Will Delay Interval (seconds).
    public var willDelayInterval: UInt32? { first { if case .willDelayInterval(let v) = $0 { v } else { nil } } }
    /// 0x19 Request Response Information.
    public var requestResponseInformation: UInt8? { first { if case .requestResponseInformation(let v) = $0 { v } else { nil } } }
    /// 0x1A Response Information.
    public var responseInformation: String? { first { if case .responseInformation(let v) = $0 { v } else { nil } } }
    /// 0x1C Server Reference.
    public var serverReference: String? { first { if case .serverReference(let v) = $0 { v } else { nil } } }
    /// 0x1F Reason String.
    public var reasonString: String? { first { if case .reasonString(let v) = $0 { v } else { nil } } }
    /// 0x21 Receive Maximum.
    public var receiveMaximum: UInt16? { first { if case .receiveMaximum(let v) = $0 { v } else { nil } } }
    /// 0x22 Topic Alias Maximum.
    public var topicAliasMaximum: UInt16? { first { if case .topicAliasMaximum(let v) = $0 { v } else { nil } } }
    /// 0x23 Topic Alias.
    public var topicAlias: UInt16? { first { if case .topicAlias(let v) = $0 { v } else { nil } } }
    /// 0x24 Maximum QoS.
    public var maximumQoS: UInt8? { first { if case .maximumQoS(let v) = $0 { v } else { nil } } }
    /// 0x25 Retain Available.
    public var retainAvailable: UInt8? { first { if case .retainAvailable(let v) = $0 { v } else { nil } } }
    /// Every 0x26 User Property as (name, value), in order.
    public var userProperties: [(name: String, value: String)] {
        self.items.compactMap { if case .userProperty(let k, let v) = $0 { (k, v) } else { nil } }
    }
    /// 0x27 Maximum Packet Size.
    public var maximumPacketSize: UInt32? { first { if case .maximumPacketSize(let v) = $0 { v } else { nil } } }
    /// 0x28 Wildcard Subscription Available.
    public var wildcardSubscriptionAvailable: UInt8? {
        first { if case .wildcardSubscriptionAvailable(let v) = $0 { v } else { nil } }
    }
    /// 0x29 Subscription Identifier Available.
    public var subscriptionIdentifierAvailable: UInt8? {
        first { if case .subscriptionIdentifierAvailable(let v) = $0 { v } else { nil } }
    }
    /// 0x2A Shared Subscription Available.
    public var sharedSubscriptionAvailable: UInt8? {
        first { if case .sharedSubscriptionAvailable(let v) = $0 { v } else { nil } }
    }
}
