/// Why a byte stream could not be turned into MQTT packets.
///
/// The cases map onto the MQTT 5 reason codes a server sends before closing the connection:
/// `malformedPacket`/`malformedRemainingLength` → 0x81 Malformed Packet, `protocolViolation` → 0x82 Protocol Error,
/// `packetTooLarge` → 0x95 Packet Too Large, `unsupportedProtocol` → CONNACK 0x84 (v5) / 0x01 (3.1.1).
public enum MQTTDecodeError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The fixed header announces a packet bigger than the configured limit. Raised before the body arrives
    /// so a hostile peer cannot make us buffer it.
    case packetTooLarge(size: Int, limit: Int)
    /// The remaining-length field uses more than four bytes.
    case malformedRemainingLength
    /// The packet violates the wire format; the message says exactly what was wrong.
    case malformedPacket(String)
    /// CONNECT named a protocol other than "MQTT"/"MQIsdp".
    case unsupportedProtocol(name: String, level: UInt8)
    /// The packet is well formed but not allowed here (e.g. first packet not CONNECT, duplicate property).
    case protocolViolation(String)

    /// One-line message suitable for logs and for a v5 Reason String.
    public var description: String {
        switch self {
        case .packetTooLarge(let size, let limit):
            return "packet too large: \(size) bytes exceeds limit of \(limit) bytes"
        case .malformedRemainingLength:
            return "malformed remaining length: more than 4 bytes"
        case .malformedPacket(let message):
            return "malformed packet: \(message)"
        case .unsupportedProtocol(let name, let level):
            return "unsupported protocol: name \"\(name)\" level \(level)"
        case .protocolViolation(let message):
            return "protocol violation: \(message)"
        }
    }
}
