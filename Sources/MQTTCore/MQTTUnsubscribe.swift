import NIOCore

/// UNSUBSCRIBE: topic filters the client no longer wants.
public struct MQTTUnsubscribe: Sendable, Equatable {
    /// Non-zero identifier echoed in the UNSUBACK.
    public var packetID: UInt16
    /// At least one topic filter, exactly as subscribed.
    public var filters: [String]
    /// MQTT 5 properties (user properties); empty on 3.1.x.
    public var properties: MQTTProperties

    /// `filters` must not be empty for the packet to be valid on the wire.
    public init(packetID: UInt16, filters: [String], properties: MQTTProperties = []) {
        self.packetID = packetID
        self.filters = filters
        self.properties = properties
    }
}

extension MQTTUnsubscribe: MQTTBodyEncodable {
    static func parse(
        from body: inout ByteBuffer,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTUnsubscribe {
        let packetID = try body.readMQTTPacketID("UNSUBSCRIBE")
        let properties = version.isV5 ? try body.readMQTTProperties(.unsubscribe) : MQTTProperties()
        var filters: [String] = []
        while body.readableBytes > 0 {
            filters.append(try body.readMQTTString("UNSUBSCRIBE topic filter"))
        }
        guard !filters.isEmpty else { throw .malformedPacket("UNSUBSCRIBE has no topic filters") }
        return MQTTUnsubscribe(packetID: packetID, filters: filters, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        var length = 2
        if version.isV5 { length += self.properties.encodedSizeWithLength }
        for filter in self.filters { length += mqttStringSize(filter) }
        return length
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(self.packetID)
        if version.isV5 { buffer.writeMQTTProperties(self.properties) }
        for filter in self.filters { buffer.writeMQTTString(filter) }
    }
}
