import NIOCore

/// UNSUBACK: confirms an UNSUBSCRIBE; on MQTT 5 with one reason code per filter.
public struct MQTTUnsubAck: Sendable, Equatable {
    /// Identifier of the UNSUBSCRIBE being acknowledged.
    public var packetID: UInt16
    /// MQTT 5 reason codes, one per filter; always empty on 3.1.x (which has no payload).
    public var reasonCodes: [UInt8]
    /// MQTT 5 properties (reason string, user properties); empty on 3.1.x.
    public var properties: MQTTProperties

    /// Leave `reasonCodes` empty on 3.1.x; on MQTT 5 give one code per filter.
    public init(packetID: UInt16, reasonCodes: [UInt8] = [], properties: MQTTProperties = []) {
        self.packetID = packetID
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTUnsubAck: MQTTBodyEncodable {
    static func parse(from body: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTDecodeError) -> MQTTUnsubAck {
        let packetID = try body.readMQTTPacketID("UNSUBACK")
        guard version.isV5 else {
            try body.expectMQTTEnd("UNSUBACK")
            return MQTTUnsubAck(packetID: packetID)
        }
        let properties = try body.readMQTTProperties(.unsuback)
        let codes = Array(body.readableBytesView)
        body.moveReaderIndex(forwardBy: codes.count)
        guard !codes.isEmpty else { throw .malformedPacket("UNSUBACK has no reason codes") }
        return MQTTUnsubAck(packetID: packetID, reasonCodes: codes, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        guard version.isV5 else { return 2 }
        return 2 + self.properties.encodedSizeWithLength + self.reasonCodes.count
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(self.packetID)
        guard version.isV5 else { return }
        buffer.writeMQTTProperties(self.properties)
        buffer.writeBytes(self.reasonCodes)
    }
}
