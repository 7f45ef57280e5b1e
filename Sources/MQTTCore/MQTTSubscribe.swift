import NIOCore

/// SUBSCRIBE: one or more topic filters the client wants messages for.
public struct MQTTSubscribe: Sendable, Equatable {
    /// Non-zero identifier echoed in the SUBACK.
    public var packetID: UInt16
    /// At least one subscription.
    public var subscriptions: [MQTTSubscription]
    /// MQTT 5 properties (subscription identifier, user properties); empty on 3.1.x.
    public var properties: MQTTProperties

    /// `subscriptions` must not be empty for the packet to be valid on the wire.
    public init(packetID: UInt16, subscriptions: [MQTTSubscription], properties: MQTTProperties = []) {
        self.packetID = packetID
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

extension MQTTSubscribe: MQTTBodyEncodable {
    static func parse(from body: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTDecodeError) -> MQTTSubscribe {
        let packetID = try body.readMQTTPacketID("SUBSCRIBE")
        let properties = version.isV5 ? try body.readMQTTProperties(.subscribe) : MQTTProperties()
        var subscriptions: [MQTTSubscription] = []
        while body.readableBytes > 0 {
            let filter = try body.readMQTTString("SUBSCRIBE topic filter")
            let options = try body.readMQTTByte("SUBSCRIBE subscription options")
            subscriptions.append(try MQTTSubscription.options(options, filter: filter, version: version))
        }
        guard !subscriptions.isEmpty else { throw .malformedPacket("SUBSCRIBE has no subscriptions") }
        return MQTTSubscribe(packetID: packetID, subscriptions: subscriptions, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        var length = 2
        if version.isV5 { length += self.properties.encodedSizeWithLength }
        for subscription in self.subscriptions { length += mqttStringSize(subscription.filter) + 1 }
        return length
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(self.packetID)
        if version.isV5 { buffer.writeMQTTProperties(self.properties) }
        for subscription in self.subscriptions {
            buffer.writeMQTTString(subscription.filter)
            buffer.writeInteger(subscription.optionsByte(version: version))
        }
    }
}
