import NIOCore

/// Control packet type numbers (upper nibble of the fixed header's first byte).
enum MQTTPacketType: UInt8 {
    case connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp
    case subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth
}

/// A packet body that knows its exact encoded size up front, so the fixed header (whose remaining length
/// precedes the body) can be written first without encoding twice or moving bytes afterwards.
protocol MQTTBodyEncodable {
    func bodyLength(version: MQTTProtocolVersion) -> Int
    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion)
}

extension ByteBuffer {
    /// Writes fixed header + body, reserving the exact capacity once.
    @inline(__always)
    mutating func writeMQTTPacket<Body: MQTTBodyEncodable>(
        firstByte: UInt8,
        body: Body,
        version: MQTTProtocolVersion
    ) {
        let length = body.bodyLength(version: version)
        precondition(length <= mqttMaxVariableByteInteger, "MQTT packet body of \(length) bytes exceeds 268435455")
        self.reserveCapacity(minimumWritableBytes: 1 + mqttVariableByteIntegerSize(length) + length)
        self.writeInteger(firstByte)
        self.writeMQTTVariableByteInteger(length)
        let start = self.writerIndex
        body.writeBody(to: &self, version: version)
        assert(self.writerIndex - start == length, "bodyLength (\(length)) disagrees with bytes written (\(self.writerIndex - start))")
    }
}
