import NIOCore

/// PUBLISH: an application message, in either direction. This is the hot path: the decoded payload is a
/// slice of the received bytes (no copy) and encoding reserves the exact size once.
public struct MQTTPublish: Sendable, Equatable {
    /// Topic name; never contains wildcards. May be empty only on MQTT 5 with a Topic Alias property.
    public var topic: String
    /// Application payload: everything after the variable header.
    public var payload: ByteBuffer
    /// Delivery QoS.
    public var qos: MQTTQoS
    /// Retain flag.
    public var retain: Bool
    /// Redelivery flag; only meaningful (and only written) for QoS > 0.
    public var dup: Bool
    /// Packet identifier, present exactly when `qos > .atMostOnce`.
    public var packetID: UInt16?
    /// MQTT 5 PUBLISH properties (topic alias, message expiry, subscription identifiers, ...).
    public var properties: MQTTProperties

    /// Defaults to a QoS 0, non-retained message, which needs no packet identifier.
    public init(
        topic: String,
        payload: ByteBuffer,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        dup: Bool = false,
        packetID: UInt16? = nil,
        properties: MQTTProperties = []
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
        self.properties = properties
    }

    /// The first byte of the fixed header. DUP is dropped for QoS 0, where the spec requires it to be 0.
    var fixedHeaderByte: UInt8 {
        var byte: UInt8 = 0x30 | (self.qos.rawValue << 1)
        if self.retain { byte |= 0x01 }
        if self.dup && self.qos != .atMostOnce { byte |= 0x08 }
        return byte
    }
}

extension MQTTPublish: MQTTBodyEncodable {
    static func parse(
        flags: UInt8,
        from body: inout ByteBuffer,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTPublish {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else {
            throw .malformedPacket("PUBLISH QoS is 3")
        }
        let dup = flags & 0x08 != 0
        guard !(dup && qos == .atMostOnce) else {
            throw .malformedPacket("PUBLISH DUP flag set on QoS 0")
        }
        let (topic, hasWildcard) = try body.readMQTTStringNotingWildcards("PUBLISH topic")
        guard !hasWildcard else { throw .malformedPacket("PUBLISH topic contains wildcard") }
        let packetID = qos == .atMostOnce ? nil : try body.readMQTTPacketID("PUBLISH")
        let properties = version.isV5 ? try body.readMQTTProperties(.publish) : MQTTProperties()
        if topic.isEmpty && !(version.isV5 && properties.topicAlias != nil) {
            throw .malformedPacket("PUBLISH topic is empty")
        }
        let payload = body.readSlice(length: body.readableBytes)!
        return MQTTPublish(
            topic: topic,
            payload: payload,
            qos: qos,
            retain: flags & 0x01 != 0,
            dup: dup,
            packetID: packetID,
            properties: properties
        )
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        var length = mqttStringSize(self.topic) + self.payload.readableBytes
        if self.qos != .atMostOnce { length += 2 }
        if version.isV5 { length += self.properties.encodedSizeWithLength }
        return length
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeMQTTString(self.topic)
        if self.qos != .atMostOnce {
            assert(self.packetID != nil && self.packetID != 0, "PUBLISH with QoS > 0 needs a non-zero packet ID")
            buffer.writeInteger(self.packetID ?? 0)
        }
        if version.isV5 { buffer.writeMQTTProperties(self.properties) }
        buffer.writeImmutableBuffer(self.payload)
    }
}
