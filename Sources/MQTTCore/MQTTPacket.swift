import NIOCore

/// Any MQTT control packet, for both 3.1.1 and 5, in both directions.
///
/// The same value type serves the server and a client (or a test); the protocol version is passed to
/// `write`/`parse` rather than stored per packet because it is a property of the connection.
public enum MQTTPacket: Sendable, Equatable {
    case connect(MQTTConnect)
    case connack(MQTTConnAck)
    case publish(MQTTPublish)
    case puback(MQTTAck)
    case pubrec(MQTTAck)
    case pubrel(MQTTAck)
    case pubcomp(MQTTAck)
    case subscribe(MQTTSubscribe)
    case suback(MQTTSubAck)
    case unsubscribe(MQTTUnsubscribe)
    case unsuback(MQTTUnsubAck)
    case pingreq
    case pingresp
    case disconnect(MQTTDisconnect)
    case auth(MQTTAuth)

    /// Serializes the packet (fixed header + body) for the given protocol version.
    ///
    /// On 3.1.x, MQTT 5-only fields (properties, reason codes on acks/DISCONNECT, subscription options
    /// other than QoS) are not written. CONNECT uses its own `version`; AUTH is always written in MQTT 5
    /// form (it must not be sent on a 3.1.x connection). Strings or binary fields longer than 65,535 bytes
    /// are a programming error and trap.
    public func write(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        switch self {
        case .connect(let packet):
            buffer.writeMQTTPacket(firstByte: 0x10, body: packet, version: packet.version)
        case .connack(let packet):
            buffer.writeMQTTPacket(firstByte: 0x20, body: packet, version: version)
        case .publish(let packet):
            buffer.writeMQTTPacket(firstByte: packet.fixedHeaderByte, body: packet, version: version)
        case .puback(let packet):
            buffer.writeMQTTPacket(firstByte: 0x40, body: packet, version: version)
        case .pubrec(let packet):
            buffer.writeMQTTPacket(firstByte: 0x50, body: packet, version: version)
        case .pubrel(let packet):
            buffer.writeMQTTPacket(firstByte: 0x62, body: packet, version: version)
        case .pubcomp(let packet):
            buffer.writeMQTTPacket(firstByte: 0x70, body: packet, version: version)
        case .subscribe(let packet):
            buffer.writeMQTTPacket(firstByte: 0x82, body: packet, version: version)
        case .suback(let packet):
            buffer.writeMQTTPacket(firstByte: 0x90, body: packet, version: version)
        case .unsubscribe(let packet):
            buffer.writeMQTTPacket(firstByte: 0xA2, body: packet, version: version)
        case .unsuback(let packet):
            buffer.writeMQTTPacket(firstByte: 0xB0, body: packet, version: version)
        case .pingreq:
            buffer.writeInteger(UInt16(0xC000))
        case .pingresp:
            buffer.writeInteger(UInt16(0xD000))
        case .disconnect(let packet):
            buffer.writeMQTTPacket(firstByte: 0xE0, body: packet, version: version)
        case .auth(let packet):
            buffer.writeMQTTPacket(firstByte: 0xF0, body: packet, version: .v5)
        }
    }

    /// Parses one packet from its fixed-header first byte and its body (exactly remaining-length bytes).
    ///
    /// The whole body must be consumed by the packet's layout (except PUBLISH, whose payload is the rest),
    /// otherwise the packet is malformed. For CONNECT the version comes from the packet's protocol level
    /// and `version` is ignored.
    public static func parse(
        firstByte: UInt8,
        body: inout ByteBuffer,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTPacket {
        let type = try Self.validateFixedHeader(firstByte: firstByte, version: version)
        switch type {
        case .connect:
            return .connect(try MQTTConnect.parse(from: &body))
        case .connack:
            return .connack(try MQTTConnAck.parse(from: &body, version: version))
        case .publish:
            return .publish(try MQTTPublish.parse(flags: firstByte & 0x0F, from: &body, version: version))
        case .puback:
            return .puback(try MQTTAck.parse(from: &body, version: version, rules: .puback))
        case .pubrec:
            return .pubrec(try MQTTAck.parse(from: &body, version: version, rules: .pubrec))
        case .pubrel:
            return .pubrel(try MQTTAck.parse(from: &body, version: version, rules: .pubrel))
        case .pubcomp:
            return .pubcomp(try MQTTAck.parse(from: &body, version: version, rules: .pubcomp))
        case .subscribe:
            return .subscribe(try MQTTSubscribe.parse(from: &body, version: version))
        case .suback:
            return .suback(try MQTTSubAck.parse(from: &body, version: version))
        case .unsubscribe:
            return .unsubscribe(try MQTTUnsubscribe.parse(from: &body, version: version))
        case .unsuback:
            return .unsuback(try MQTTUnsubAck.parse(from: &body, version: version))
        case .pingreq:
            try body.expectMQTTEnd("PINGREQ")
            return .pingreq
        case .pingresp:
            try body.expectMQTTEnd("PINGRESP")
            return .pingresp
        case .disconnect:
            return .disconnect(try MQTTDisconnect.parse(from: &body, version: version))
        case .auth:
            return .auth(try MQTTAuth.parse(from: &body))
        }
    }

    /// Checks the packet type and the fixed-header flags (spec 2.1.3 / 2.2.2), which is possible before
    /// any of the body has arrived.
    static func validateFixedHeader(
        firstByte: UInt8,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTPacketType {
        let flags = firstByte & 0x0F
        guard let type = MQTTPacketType(rawValue: firstByte >> 4) else {
            throw .malformedPacket("reserved packet type 0")
        }
        switch type {
        case .publish:
            guard flags & 0x06 != 0x06 else { throw .malformedPacket("PUBLISH QoS is 3") }
            guard flags & 0x0E != 0x08 else { throw .malformedPacket("PUBLISH DUP flag set on QoS 0") }
        case .pubrel, .subscribe, .unsubscribe:
            guard flags == 0x02 else {
                throw .malformedPacket("\(type.name) fixed header flags must be 0b0010, got \(Self.bits(flags))")
            }
        case .auth:
            guard version.isV5 else {
                throw .malformedPacket("reserved packet type 15 (AUTH exists only in MQTT 5)")
            }
            fallthrough
        default:
            guard flags == 0 else {
                throw .malformedPacket("\(type.name) fixed header flags must be 0b0000, got \(Self.bits(flags))")
            }
        }
        return type
    }

    private static func bits(_ nibble: UInt8) -> String {
        "0b" + (0..<4).reversed().map { nibble & (1 << $0) != 0 ? "1" : "0" }.joined()
    }
}

extension MQTTPacketType {
    /// Upper-case spec name, used in error messages and `MQTTPacket.typeName`.
    var name: String {
        switch self {
        case .connect: return "CONNECT"
        case .connack: return "CONNACK"
        case .publish: return "PUBLISH"
        case .puback: return "PUBACK"
        case .pubrec: return "PUBREC"
        case .pubrel: return "PUBREL"
        case .pubcomp: return "PUBCOMP"
        case .subscribe: return "SUBSCRIBE"
        case .suback: return "SUBACK"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .unsuback: return "UNSUBACK"
        case .pingreq: return "PINGREQ"
        case .pingresp: return "PINGRESP"
        case .disconnect: return "DISCONNECT"
        case .auth: return "AUTH"
        }
    }
}

public extension MQTTPacket {
    /// Upper-case spec name of the packet type ("PUBLISH", "PINGREQ", ...) for logs.
    var typeName: String { type.name }
}

extension MQTTPacket {
    /// The fixed-header packet type of this packet.
    var type: MQTTPacketType {
        switch self {
        case .connect: return .connect
        case .connack: return .connack
        case .publish: return .publish
        case .puback: return .puback
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        case .subscribe: return .subscribe
        case .suback: return .suback
        case .unsubscribe: return .unsubscribe
        case .unsuback: return .unsuback
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }
}
