import NIOCore

/// Frames and decodes packets from a byte stream.
///
/// Server use: `version` starts nil; the first packet must be CONNECT (else `protocolViolation`), decoding
/// it sets `version` from the CONNECT's protocol level (3 → 3.1, 4 → 3.1.1, 5 → 5, unknown levels → 3.1.1
/// like ThingsBoard), and any later CONNECT, or a packet only servers send (CONNACK, SUBACK, UNSUBACK,
/// PINGRESP), is a `protocolViolation`. Client use: init with a known version; nothing direction-specific is
/// checked then.
///
/// Oversized packets are rejected as soon as the fixed header is readable, so a peer cannot make us buffer
/// a body larger than `maximumPacketSize`.
public struct MQTTPacketDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = MQTTPacket

    /// Largest accepted packet in bytes, fixed header included.
    public var maximumPacketSize: Int
    /// Protocol version of the connection; nil until the CONNECT has been decoded in server mode.
    public private(set) var version: MQTTProtocolVersion?
    /// True when created without a version: the stream must start with exactly one CONNECT.
    private let expectsConnect: Bool

    /// - Parameters:
    ///   - maximumPacketSize: limit on fixed header + body; the default leaves room for a 64 KiB payload.
    ///   - version: nil for a server (learned from CONNECT), the negotiated version for a client.
    public init(maximumPacketSize: Int = 65_536 + 1_024, version: MQTTProtocolVersion? = nil) {
        self.maximumPacketSize = maximumPacketSize
        self.version = version
        self.expectsConnect = version == nil
    }

    /// Decodes the next packet if it is complete.
    ///
    /// Returns nil (leaving the reader index untouched) when more bytes are needed; on success the reader
    /// index moves past exactly one packet.
    public mutating func decodePacket(from buffer: inout ByteBuffer) throws(MQTTDecodeError) -> MQTTPacket? {
        let start = buffer.readerIndex
        guard let firstByte = buffer.getInteger(at: start, as: UInt8.self) else { return nil }

        // Fail fast on the first byte: type/flags are checkable before the length or body arrives.
        let isConnect = firstByte >> 4 == MQTTPacketType.connect.rawValue
        let version: MQTTProtocolVersion
        if let known = self.version {
            if self.expectsConnect {
                if isConnect { throw .protocolViolation("second CONNECT on the same connection") }
                try Self.rejectServerOnlyPacket(firstByte)
            }
            version = known
        } else {
            guard isConnect else {
                throw .protocolViolation("first packet must be CONNECT, got packet type \(firstByte >> 4)")
            }
            version = .v3_1_1  // CONNECT parsing ignores it; the real version is in the body
        }
        _ = try MQTTPacket.validateFixedHeader(firstByte: firstByte, version: version)

        // Remaining length: at most 4 bytes.
        var remaining = 0
        var shift = 0
        var headerSize = 1
        while true {
            guard let byte = buffer.getInteger(at: start + headerSize, as: UInt8.self) else { return nil }
            headerSize += 1
            remaining |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            guard headerSize < 5 else { throw .malformedRemainingLength }
            shift += 7
        }

        let total = headerSize + remaining
        guard total <= self.maximumPacketSize else {
            throw .packetTooLarge(size: total, limit: self.maximumPacketSize)
        }
        guard var body = buffer.getSlice(at: start + headerSize, length: remaining) else { return nil }

        let packet = try MQTTPacket.parse(firstByte: firstByte, body: &body, version: version)
        if case .connect(let connect) = packet, self.version == nil {
            self.version = connect.version
        }
        buffer.moveReaderIndex(to: start + total)
        return packet
    }

    /// A server must treat CONNACK, SUBACK, UNSUBACK and PINGRESP from a client as a protocol error.
    private static func rejectServerOnlyPacket(_ firstByte: UInt8) throws(MQTTDecodeError) {
        switch MQTTPacketType(rawValue: firstByte >> 4) {
        case .some(let type) where type == .connack || type == .suback || type == .unsuback || type == .pingresp:
            throw .protocolViolation("\(type.name) is only sent by servers")
        default:
            return
        }
    }

    /// `ByteToMessageDecoder` entry point: forwards one decoded packet per call so NIO's loop drives framing.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let packet = try self.decodePacket(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }
}
