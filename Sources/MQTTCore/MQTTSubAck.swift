import NIOCore

/// SUBACK: one return/reason code per subscription of the matching SUBSCRIBE.
public struct MQTTSubAck: Sendable, Equatable {
    /// Identifier of the SUBSCRIBE being acknowledged.
    public var packetID: UInt16
    /// 3.1.1: 0x00/0x01/0x02 (granted QoS) or 0x80 (failure). MQTT 5: any reason code, passed through.
    public var reasonCodes: [UInt8]
    /// MQTT 5 properties (reason string, user properties); empty on 3.1.x.
    public var properties: MQTTProperties

    /// Give one code per subscription of the SUBSCRIBE, in the same order.
    public init(packetID: UInt16, reasonCodes: [UInt8], properties: MQTTProperties = []) {
        self.packetID = packetID
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTSubAck: MQTTBodyEncodable {
    static func parse(from body: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTDecodeError) -> MQTTSubAck {
        let packetID = try body.readMQTTPacketID("SUBACK")
        let properties = version.isV5 ? try body.readMQTTProperties(.suback) : MQTTProperties()
        let codes = Array(body.readableBytesView)
        body.moveReaderIndex(forwardBy: codes.count)
        guard !codes.isEmpty else { throw .malformedPacket("SUBACK has no return codes") }
        if !version.isV5 {
            for code in codes where code > 2 && code != 0x80 {
                throw .malformedPacket("SUBACK return code \(code) is not 0, 1, 2 or 128")
            }
        }
        return MQTTSubAck(packetID: packetID, reasonCodes: codes, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        2 + self.reasonCodes.count + (version.isV5 ? self.properties.encodedSizeWithLength : 0)
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(self.packetID)
        if version.isV5 { buffer.writeMQTTProperties(self.properties) }
        buffer.writeBytes(self.reasonCodes)
    }
}
