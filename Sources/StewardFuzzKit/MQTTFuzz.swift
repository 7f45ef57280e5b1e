import MQTTCore
import NIOCore

/// Fuzz body for the MQTT decoder (`MQTTPacketDecoder`, every packet's `parse`).
///
/// The first input byte picks the decoder (server mode, which must start with CONNECT, or a client with
/// MQTT 3.1, 3.1.1 or 5) and where the stream is cut in two; the rest is the byte stream. Invariants:
/// - framing does not depend on how the bytes arrive: the stream in one piece and in two decodes to the same
///   packets and ends in the same state (waiting for more, or the same error);
/// - every packet that decodes encodes back to bytes that decode to the same packet, and those bytes are
///   stable (encoding the re-decoded packet gives them again);
/// - the decoder consumes exactly the bytes of the packets it returned.
public enum MQTTFuzz {
    /// Largest packet the fuzzed decoder accepts; small so that the oversize path is reached too.
    static let maximumPacketSize = 4_096
    static let versions: [MQTTProtocolVersion?] = [nil, .v3_1, .v3_1_1, .v5]

    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        guard let control = input.first else { return }
        let stream = Array(input.dropFirst())
        let version = versions[Int(control & 0x03)]

        let whole = decode([stream[...]], version: version)
        if stream.count > 1 {
            let cut = Int(control >> 2) % stream.count
            let pieces = decode([stream[..<cut], stream[cut...]], version: version)
            FuzzCheck.require(
                pieces == whole,
                "the stream cut at \(cut) decoded differently: \(pieces) vs \(whole) for \(FuzzCheck.hex(stream))")
        }
        FuzzCheck.require(
            whole.consumed <= stream.count, "consumed \(whole.consumed) of \(stream.count) bytes")
        for (packet, packetVersion) in whole.packets {
            roundTrip(packet, version: packetVersion)
        }
    }

    /// Encodes, decodes and encodes again; both decodings and both encodings must agree.
    static func roundTrip(_ packet: MQTTPacket, version: MQTTProtocolVersion) {
        var encoded = ByteBuffer()
        packet.write(to: &encoded, version: version)
        let bytes = Array(encoded.readableBytesView)
        var decoder = MQTTPacketDecoder(maximumPacketSize: Int.max, version: version)
        let again: MQTTPacket?
        do {
            again = try decoder.decodePacket(from: &encoded)
        } catch {
            FuzzCheck.fail("\(packet) encoded as \(FuzzCheck.hex(bytes)) does not decode: \(error)")
        }
        FuzzCheck.require(again == packet, "\(packet) encoded and decoded is \(String(describing: again))")
        FuzzCheck.require(encoded.readableBytes == 0, "\(encoded.readableBytes) bytes left after re-decoding \(packet)")
        var reencoded = ByteBuffer()
        again?.write(to: &reencoded, version: version)
        FuzzCheck.require(
            Array(reencoded.readableBytesView) == bytes,
            "\(packet) encodes unstably: \(FuzzCheck.hex(bytes)) then \(FuzzCheck.hex(reencoded.readableBytesView))")
    }

    struct Outcome: Equatable, CustomStringConvertible {
        var packets: [(MQTTPacket, MQTTProtocolVersion)] = []
        var consumed = 0
        var error: MQTTDecodeError?

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.consumed == b.consumed && a.error == b.error && a.packets.count == b.packets.count
                && zip(a.packets, b.packets).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }

        var description: String {
            "\(packets.count) packet(s), \(consumed) bytes consumed, error \(error.map { "\($0)" } ?? "none")"
        }
    }

    /// Feeds `pieces` one after the other, decoding everything available after each, as a channel would.
    static func decode(_ pieces: [ArraySlice<UInt8>], version: MQTTProtocolVersion?) -> Outcome {
        var decoder = MQTTPacketDecoder(maximumPacketSize: maximumPacketSize, version: version)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        for piece in pieces {
            buffer.writeBytes(piece)
            while true {
                let before = buffer.readerIndex
                do {
                    // The version a packet is encoded in is the connection's after the packet (a CONNECT sets it).
                    guard let packet = try decoder.decodePacket(from: &buffer) else {
                        FuzzCheck.require(buffer.readerIndex == before, "a nil decode moved the reader index")
                        break
                    }
                    FuzzCheck.require(buffer.readerIndex > before, "\(packet) decoded from no bytes")
                    outcome.consumed += buffer.readerIndex - before
                    outcome.packets.append((packet, decoder.version ?? .v3_1_1))
                } catch {
                    outcome.error = error
                    return outcome
                }
            }
        }
        return outcome
    }
}
