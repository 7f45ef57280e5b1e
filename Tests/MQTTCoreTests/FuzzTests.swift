import NIOCore
import Testing

@testable import MQTTCore

/// Garbage in must never crash: every input either throws, needs more data, or decodes to packets that
/// re-encode to something decoding to the same packets.
@Suite("Fuzz")
struct FuzzTests {
    /// Raise locally for a longer fuzz run; kept small so the suite stays fast.
    static let scale = 1

    /// Feeds `bytes` to a decoder in the given mode; returns decoded packets until error / need-more-data.
    static func drain(_ bytes: [UInt8], version: MQTTProtocolVersion?, limit: Int = 4_096) -> [MQTTPacket] {
        var decoder = MQTTPacketDecoder(maximumPacketSize: limit, version: version)
        var input = buffer(bytes)
        var packets: [MQTTPacket] = []
        var lastReader = input.readerIndex
        do {
            while let packet = try decoder.decodePacket(from: &input) {
                packets.append(packet)
                #expect(input.readerIndex > lastReader, "decoder must make progress")
                lastReader = input.readerIndex
            }
        } catch {
            _ = error.description
        }
        return packets
    }

    /// Re-encodes decoded packets and checks they decode identically (the encoder accepts anything the
    /// decoder produces).
    static func checkReencode(_ packets: [MQTTPacket], version: MQTTProtocolVersion) {
        for packet in packets {
            let effective: MQTTProtocolVersion
            if case .connect(let connect) = packet { effective = connect.version } else { effective = version }
            let bytes = encodeBytes(packet, effective)
            let again = Result { () throws(MQTTDecodeError) in try decodeOne(bytes, version: effective) }
            #expect(again == .success(packet), "re-encoding \(packet.typeName) changed it")
        }
    }

    @Test("Seeded random buffers never crash", arguments: [UInt64(1), 2, 3, 4])
    func randomBytes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<(1_500 * Self.scale) {
            let length = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias some inputs towards plausible headers so bodies get exercised too.
            if !bytes.isEmpty && Bool.random(using: &rng) {
                bytes[0] = (UInt8.random(in: 1...15, using: &rng) << 4) | [0, 2, 0, 2][Int.random(in: 0...3, using: &rng)]
                if bytes.count > 1 { bytes[1] = UInt8(min(bytes.count - 2, 127)) }
            }
            for version in [MQTTProtocolVersion.v3_1_1, .v5] {
                Self.checkReencode(Self.drain(bytes, version: version), version: version)
            }
            _ = Self.drain(bytes, version: nil)
        }
    }

    @Test("Mutated valid packets never crash", arguments: [UInt64(10), 11, 12])
    func mutatedPackets(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var decodedCount = 0
        for (version, samples) in [(MQTTProtocolVersion.v3_1_1, Samples.v311), (.v5, Samples.v5)] {
            let encoded = samples.map { encodeBytes($0, version) }.filter { $0.count < 2_000 }
            for _ in 0..<(400 * Self.scale) {
                var bytes = encoded[Int.random(in: 0..<encoded.count, using: &rng)]
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:  // flip a few bytes
                    for _ in 0..<Int.random(in: 1...3, using: &rng) {
                        bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                case 1:  // truncate
                    bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
                case 2:  // flip one bit, keep framing
                    let index = Int.random(in: 2..<max(3, bytes.count), using: &rng)
                    if index < bytes.count { bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &rng) }
                default:  // append garbage
                    bytes += (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
                let packets = Self.drain(bytes, version: version)
                decodedCount += packets.count
                Self.checkReencode(packets, version: version)
                _ = Self.drain(bytes, version: nil)
            }
        }
        // Many mutations (appended garbage, payload bit flips) keep packets valid; make sure the
        // re-encode check actually ran.
        #expect(decodedCount > 100)
    }

    @Test("Byte-at-a-time feeding of garbage never crashes and never consumes on needMoreData")
    func trickleGarbage() throws {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<(300 * Self.scale) {
            let bytes = (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var decoder = MQTTPacketDecoder(maximumPacketSize: 256, version: .v5)
            var input = ByteBufferAllocator().buffer(capacity: bytes.count)
            feeding: for byte in bytes {
                input.writeInteger(byte)
                let before = input.readerIndex
                do {
                    if try decoder.decodePacket(from: &input) == nil {
                        #expect(input.readerIndex == before)
                    }
                } catch {
                    break feeding
                }
            }
        }
    }
}
