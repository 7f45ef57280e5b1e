import NIOCore

/// CONNACK: the server's answer to CONNECT.
public struct MQTTConnAck: Sendable, Equatable {
    /// Whether the server resumed a stored session; must be false when `returnCode` is not success.
    public var sessionPresent: Bool
    /// The 3.1.1 connect return code (0...5) or the MQTT 5 reason code (0x00, 0x80...0x9F).
    public var returnCode: UInt8
    /// MQTT 5 CONNACK properties (limits the server imposes, assigned client ID, ...); empty on 3.1.x.
    public var properties: MQTTProperties

    /// Defaults to an accepted connection without a resumed session.
    public init(sessionPresent: Bool = false, returnCode: UInt8 = 0, properties: MQTTProperties = []) {
        self.sessionPresent = sessionPresent
        self.returnCode = returnCode
        self.properties = properties
    }
}

extension MQTTConnAck: MQTTBodyEncodable {
    static func parse(from body: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTDecodeError) -> MQTTConnAck {
        let flags = try body.readMQTTByte("CONNACK acknowledge flags")
        guard flags & 0xFE == 0 else {
            throw .malformedPacket("CONNACK reserved acknowledge flag bits are set")
        }
        let code = try body.readMQTTByte("CONNACK return code")
        let properties = version.isV5 ? try body.readMQTTProperties(.connack) : MQTTProperties()
        try body.expectMQTTEnd("CONNACK")
        return MQTTConnAck(sessionPresent: flags == 1, returnCode: code, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        version.isV5 ? 2 + self.properties.encodedSizeWithLength : 2
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        buffer.writeInteger(UInt8(self.sessionPresent ? 1 : 0))
        buffer.writeInteger(self.returnCode)
        if version.isV5 { buffer.writeMQTTProperties(self.properties) }
    }
}
