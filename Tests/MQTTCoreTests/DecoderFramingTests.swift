import NIOCore
import Testing

@testable import MQTTCore

@Suite("Decoder framing")
struct DecoderFramingTests {
    static func isServerOnly(_ packet: MQTTPacket) -> Bool {
        switch packet {
        case .connack, .suback, .unsuback, .pingresp: return true
        default: return false
        }
    }

    @Test("Partial frames fed one byte at a time", arguments: [
        (MQTTProtocolVersion.v3_1_1, true), (.v5, true), (.v3_1_1, false), (.v5, false),
    ])
    func oneByteAtATime(version: MQTTProtocolVersion, serverMode: Bool) throws {
        let samples = version == .v5 ? Samples.v5 : Samples.v311
        let connect = samples.first { if case .connect = $0 { true } else { false } }!
        let rest = samples.filter { if case .connect = $0 { false } else { true } }
        // Server mode: exactly one CONNECT first, then only client-to-server packets.
        let stream = serverMode ? [connect] + rest.filter { !Self.isServerOnly($0) } : rest
        var bytes: [UInt8] = []
        for packet in stream { bytes += encodeBytes(packet, version) }

        var decoder = MQTTPacketDecoder(maximumPacketSize: 1 << 20, version: serverMode ? nil : version)
        var input = ByteBufferAllocator().buffer(capacity: bytes.count)
        var decoded: [MQTTPacket] = []
        for byte in bytes {
            input.writeInteger(byte)
            let readerBefore = input.readerIndex
            if let packet = try decoder.decodePacket(from: &input) {
                decoded.append(packet)
            } else {
                #expect(input.readerIndex == readerBefore, "needMoreData must not consume bytes")
            }
        }
        #expect(decoded == stream)
        #expect(input.readableBytes == 0)
        #expect(decoder.version == version)
    }

    @Test("A buffer holding several packets yields them one by one")
    func severalPacketsInOneBuffer() throws {
        let packets: [MQTTPacket] = [.pingreq, .puback(MQTTAck(packetID: 1)), .pingresp, .pingreq]
        var input = ByteBufferAllocator().buffer(capacity: 16)
        for packet in packets { packet.write(to: &input, version: .v3_1_1) }
        input.writeBytes([0x40, 0x02, 0x00])  // an incomplete trailing PUBACK
        var decoder = MQTTPacketDecoder(version: .v3_1_1)
        for expected in packets {
            #expect(try decoder.decodePacket(from: &input) == expected)
        }
        #expect(try decoder.decodePacket(from: &input) == nil)
        #expect(input.readableBytes == 3)
        input.writeInteger(UInt8(0x09))
        #expect(try decoder.decodePacket(from: &input) == .puback(MQTTAck(packetID: 9)))
    }

    @Test("Empty input needs more data")
    func emptyInput() throws {
        var decoder = MQTTPacketDecoder()
        var input = ByteBufferAllocator().buffer(capacity: 0)
        #expect(try decoder.decodePacket(from: &input) == nil)
    }

    @Test("Remaining length encodings", arguments: [
        (0, [UInt8]([0x00])),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (16_383, [0xFF, 0x7F]),
        (16_384, [0x80, 0x80, 0x01]),
        (2_097_151, [0xFF, 0xFF, 0x7F]),
        (2_097_152, [0x80, 0x80, 0x80, 0x01]),
        (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
    ])
    func remainingLength(value: Int, encoding: [UInt8]) throws {
        // Writer.
        var out = ByteBufferAllocator().buffer(capacity: 4)
        out.writeMQTTVariableByteInteger(value)
        #expect(Array(out.readableBytesView) == encoding)
        #expect(mqttVariableByteIntegerSize(value) == encoding.count)

        // Reader (property-length style).
        var input = buffer(encoding)
        #expect(try input.readMQTTVariableByteInteger("test") == value)

        // Decoder fixed header: the announced size shows up in packetTooLarge before any body arrives.
        let total = 1 + encoding.count + value
        let header = [UInt8(0x30)] + encoding
        if value > 0 {
            var decoder = MQTTPacketDecoder(maximumPacketSize: total - 1, version: .v3_1_1)
            var stream = buffer(header)
            #expect(throws: MQTTDecodeError.packetTooLarge(size: total, limit: total - 1)) {
                try decoder.decodePacket(from: &stream)
            }
            // At exactly the limit the decoder waits for the body instead.
            var patient = MQTTPacketDecoder(maximumPacketSize: total, version: .v3_1_1)
            var stream2 = buffer(header)
            #expect(try patient.decodePacket(from: &stream2) == nil)
        }
    }

    @Test("A fifth remaining-length byte is malformed")
    func fiveByteRemainingLength() {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            #expect(decodeError([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], version: version) == .malformedRemainingLength)
            // Detected as soon as the fourth byte has its continuation bit, without waiting for the fifth.
            #expect(decodeError([0x30, 0x80, 0x80, 0x80, 0x80], version: version) == .malformedRemainingLength)
        }
        var input = buffer([0x80, 0x80, 0x80, 0x80, 0x01])
        #expect(throws: MQTTDecodeError.malformedPacket("test longer than 4 bytes")) {
            try input.readMQTTVariableByteInteger("test")
        }
    }

    @Test("Non-minimal remaining length is accepted")
    func nonMinimalLength() throws {
        #expect(try decodeAll([0xC0, 0x80, 0x00], version: .v3_1_1) == [.pingreq])
        #expect(try decodeAll([0x40, 0x82, 0x80, 0x00, 0x00, 0x01], version: .v3_1_1) == [.puback(MQTTAck(packetID: 1))])
    }

    @Test("Oversized packets are rejected before the body arrives")
    func oversizeRejectedEarly() throws {
        var decoder = MQTTPacketDecoder(maximumPacketSize: 100, version: .v5)
        var input = buffer([0x30, 0xE8])
        #expect(try decoder.decodePacket(from: &input) == nil)  // length not complete yet
        input.writeInteger(UInt8(0x07))  // remaining length 1000
        #expect(throws: MQTTDecodeError.packetTooLarge(size: 1003, limit: 100)) {
            try decoder.decodePacket(from: &input)
        }
        // 98 bytes of body + 2 header bytes = 100 = limit: fine.
        let ok = frame(0x30, str("t") + [UInt8](repeating: 0, count: 95))
        #expect(ok.count == 100)
        #expect(try decodeAll(ok, version: .v5, maximumPacketSize: 100).count == 1)
        #expect(throws: MQTTDecodeError.packetTooLarge(size: 101, limit: 100)) {
            try decodeAll(frame(0x30, str("t") + [UInt8](repeating: 0, count: 96)), version: .v5, maximumPacketSize: 100)
        }
    }

    @Test("Default maximum packet size")
    func defaultLimit() {
        #expect(MQTTPacketDecoder().maximumPacketSize == 66_560)
        #expect(MQTTPacketDecoder().version == nil)
        #expect(MQTTPacketDecoder(version: .v5).version == .v5)
    }

    @Test("Server mode: the first packet must be CONNECT")
    func firstPacketMustBeConnect() {
        #expect(decodeError([0xC0, 0x00], version: nil)
            == .protocolViolation("first packet must be CONNECT, got packet type 12"))
        // Rejected from the first byte alone, e.g. an HTTP request hitting the MQTT port.
        #expect(decodeError(Array("GET / HTTP/1.1\r\n".utf8), version: nil)
            == .protocolViolation("first packet must be CONNECT, got packet type 4"))
    }

    @Test("Server mode: CONNECT sets the version", arguments: [
        ("MQTT", UInt8(4), MQTTProtocolVersion.v3_1_1),
        ("MQTT", 5, .v5),
        ("MQIsdp", 3, .v3_1),
        ("MQTT", 7, .v3_1_1),  // unknown level → 3.1.1, like ThingsBoard
        ("MQTT", 0, .v3_1_1),
    ])
    func connectSetsVersion(name: String, level: UInt8, expected: MQTTProtocolVersion) throws {
        var body = str(name) + [level, 0x02, 0x00, 0x3C]
        if expected == .v5 { body.append(0x00) }
        body += str("c")
        var decoder = MQTTPacketDecoder()
        var input = buffer(frame(0x10, body))
        let packet = try decoder.decodePacket(from: &input)
        #expect(decoder.version == expected)
        guard case .connect(let connect) = packet else {
            Issue.record("expected CONNECT")
            return
        }
        #expect(connect.version == expected)
        #expect(connect.clientID == "c")
    }

    @Test("Server mode: a second CONNECT is a protocol violation")
    func secondConnect() throws {
        let bytes = KnownBytesTests.mosquittoConnect + KnownBytesTests.mosquittoConnect
        var decoder = MQTTPacketDecoder()
        var input = buffer(bytes)
        _ = try decoder.decodePacket(from: &input)
        #expect(throws: MQTTDecodeError.protocolViolation("second CONNECT on the same connection")) {
            try decoder.decodePacket(from: &input)
        }
    }

    @Test("Server mode: packets only servers send are protocol violations", arguments: [
        ([UInt8]([0x20, 0x02, 0x00, 0x00]), "CONNACK is only sent by servers"),
        ([0x90, 0x03, 0x00, 0x01, 0x00], "SUBACK is only sent by servers"),
        ([0xB0, 0x02, 0x00, 0x01], "UNSUBACK is only sent by servers"),
        ([0xD0, 0x00], "PINGRESP is only sent by servers"),
    ])
    func serverOnlyPackets(bytes: [UInt8], message: String) throws {
        #expect(decodeError(KnownBytesTests.mosquittoConnect + bytes, version: nil) == .protocolViolation(message))
        // A client-mode decoder accepts them.
        #expect(try decodeAll(bytes, version: .v3_1_1).count == 1)
    }

    @Test("Server mode: protocol name other than MQTT/MQIsdp is unsupported")
    func unsupportedProtocolName() {
        let http = frame(0x10, str("HTTP") + [0x04, 0x02, 0x00, 0x3C] + str("c"))
        #expect(decodeError(http, version: nil) == .unsupportedProtocol(name: "HTTP", level: 4))
        let lowercase = frame(0x10, str("mqtt") + [0x05, 0x02, 0x00, 0x3C, 0x00] + str("c"))
        #expect(decodeError(lowercase, version: nil) == .unsupportedProtocol(name: "mqtt", level: 5))
    }

    @Test("Client mode decodes server packets with the configured version")
    func clientMode() throws {
        var decoder = MQTTPacketDecoder(version: .v5)
        var input = buffer([0x20, 0x03, 0x01, 0x00, 0x00, 0xD0, 0x00])
        #expect(try decoder.decodePacket(from: &input) == .connack(MQTTConnAck(sessionPresent: true)))
        #expect(try decoder.decodePacket(from: &input) == .pingresp)
        #expect(decoder.version == .v5)
    }

    @Test("Error descriptions are readable")
    func descriptions() {
        #expect(MQTTDecodeError.malformedPacket("PUBLISH topic contains wildcard").description
            == "malformed packet: PUBLISH topic contains wildcard")
        #expect(MQTTDecodeError.packetTooLarge(size: 10, limit: 5).description.contains("10"))
        #expect(MQTTDecodeError.malformedRemainingLength.description.contains("remaining length"))
        #expect(MQTTDecodeError.unsupportedProtocol(name: "X", level: 9).description.contains("\"X\""))
        #expect(MQTTDecodeError.protocolViolation("p").description == "protocol violation: p")
    }
}
