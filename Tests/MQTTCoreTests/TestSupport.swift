import NIOCore
import Testing

@testable import MQTTCore

/// Builds a ByteBuffer from literal bytes.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    return buffer
}

/// Builds a ByteBuffer from a string's UTF-8 bytes.
func buffer(_ string: String) -> ByteBuffer {
    buffer(Array(string.utf8))
}

/// Bytes of a length-prefixed MQTT string.
func str(_ string: String) -> [UInt8] {
    let bytes = Array(string.utf8)
    return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
}

/// A whole packet: first byte, remaining length (minimal encoding) and body.
func frame(_ firstByte: UInt8, _ body: [UInt8]) -> [UInt8] {
    var length = body.count
    var header: [UInt8] = [firstByte]
    repeat {
        var byte = UInt8(length & 0x7F)
        length >>= 7
        if length > 0 { byte |= 0x80 }
        header.append(byte)
    } while length > 0
    return header + body
}

/// Serializes a packet into a fresh buffer.
func encode(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) -> ByteBuffer {
    var out = ByteBufferAllocator().buffer(capacity: 64)
    packet.write(to: &out, version: version)
    return out
}

/// Serializes a packet into a byte array.
func encodeBytes(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) -> [UInt8] {
    Array(encode(packet, version).readableBytesView)
}

/// Decodes every complete packet in `bytes` with a decoder in the given mode (nil = server mode).
func decodeAll(
    _ bytes: [UInt8],
    version: MQTTProtocolVersion?,
    maximumPacketSize: Int = 1 << 20
) throws(MQTTDecodeError) -> [MQTTPacket] {
    var decoder = MQTTPacketDecoder(maximumPacketSize: maximumPacketSize, version: version)
    var input = buffer(bytes)
    var packets: [MQTTPacket] = []
    while let packet = try decoder.decodePacket(from: &input) {
        packets.append(packet)
    }
    return packets
}

/// Decodes exactly one packet occupying all of `bytes`; nil if incomplete.
func decodeOne(_ bytes: [UInt8], version: MQTTProtocolVersion?) throws(MQTTDecodeError) -> MQTTPacket? {
    var decoder = MQTTPacketDecoder(maximumPacketSize: 1 << 20, version: version)
    var input = buffer(bytes)
    let packet = try decoder.decodePacket(from: &input)
    if packet != nil {
        #expect(input.readableBytes == 0, "decoder left \(input.readableBytes) bytes")
    }
    return packet
}

/// The error decoding `bytes` throws, or nil if it decodes (or needs more data).
func decodeError(_ bytes: [UInt8], version: MQTTProtocolVersion?) -> MQTTDecodeError? {
    do {
        _ = try decodeAll(bytes, version: version)
        return nil
    } catch {
        return error
    }
}

/// Asserts that a frame is rejected as malformed with exactly `message`.
func expectMalformed(
    _ bytes: [UInt8],
    version: MQTTProtocolVersion?,
    _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(decodeError(bytes, version: version) == .malformedPacket(message), sourceLocation: sourceLocation)
}

/// A small deterministic RNG (SplitMix64) so fuzz failures are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
