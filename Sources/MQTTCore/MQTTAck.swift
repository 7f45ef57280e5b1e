import NIOCore

/// PUBACK, PUBREC, PUBREL, PUBCOMP share this shape: a packet ID plus, on MQTT 5, an optional reason code
/// and properties. One type keeps the QoS 1/2 state machines in the server uniform.
public struct MQTTAck: Sendable, Equatable {
    /// Identifier of the PUBLISH this acknowledges.
    public var packetID: UInt16
    /// MQTT 5 reason code (0 = success); always 0 on 3.1.x.
    public var reasonCode: UInt8
    /// MQTT 5 properties (reason string, user properties); empty on 3.1.x.
    public var properties: MQTTProperties

    /// Defaults to success without properties, the form written as the 2-byte short ack on v5.
    public init(packetID: UInt16, reasonCode: UInt8 = 0, properties: MQTTProperties = []) {
        self.packetID = packetID
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTAck: MQTTBodyEncodable {
    /// Parses the body of an acknowledgement. On MQTT 5 a remaining length of 2 means reason 0 and no
    /// properties, and 3 means a reason code without properties (spec 3.4.2.1).
    static func parse(
        from body: inout ByteBuffer,
        version: MQTTProtocolVersion,
        rules: MQTTPropertyRules
    ) throws(MQTTDecodeError) -> MQTTAck {
        let packetID = try body.readMQTTPacketID(rules.packetName)
        guard version.isV5, body.readableBytes > 0 else {
            try body.expectMQTTEnd(rules.packetName)
            return MQTTAck(packetID: packetID)
        }
        let reason = body.readInteger(as: UInt8.self)!
        guard body.readableBytes > 0 else {
            return MQTTAck(packetID: packetID, reasonCode: reason)
        }
        let properties = try body.readMQTTProperties(rules)
        try body.expectMQTTEnd(rules.packetName)
        return MQTTAck(packetID: packetID, reasonCode: reason, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        guard version.isV5 else { return 2 }
        if self.properties.isEmpty { return self.reasonCode == 0 ? 2 : 3 }
        return 3 + self.properties.encodedSizeWithLength
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(self.packetID)
        guard version.isV5 else { return }
        if self.properties.isEmpty {
            if self.reasonCode != 0 { buffer.writeInteger(self.reasonCode) }
            return
        }
        buffer.writeInteger(self.reasonCode)
        buffer.writeMQTTProperties(self.properties)
    }
}
