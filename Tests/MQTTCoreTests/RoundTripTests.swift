import NIOCore
import Testing

@testable import MQTTCore

@Suite("Round trip")
struct RoundTripTests {
    @Test("MQTT 3.1.1 packets survive encode → decode", arguments: Samples.v311)
    func roundTripV311(packet: MQTTPacket) throws {
        let bytes = encodeBytes(packet, .v3_1_1)
        let decoded = try decodeOne(bytes, version: .v3_1_1)
        #expect(decoded == packet)
    }

    @Test("MQTT 5 packets survive encode → decode", arguments: Samples.v5)
    func roundTripV5(packet: MQTTPacket) throws {
        let bytes = encodeBytes(packet, .v5)
        let decoded = try decodeOne(bytes, version: .v5)
        #expect(decoded == packet)
    }

    @Test("Every sample also decodes when written in one stream")
    func streamOfAllSamples() throws {
        for (version, samples) in [(MQTTProtocolVersion.v3_1_1, Samples.v311), (.v5, Samples.v5)] {
            var bytes: [UInt8] = []
            for packet in samples { bytes += encodeBytes(packet, version) }
            #expect(try decodeAll(bytes, version: version) == samples)
        }
    }

    @Test("MQTT 3.1 CONNECT round-trips as MQIsdp level 3")
    func roundTripV31() throws {
        let connect = MQTTPacket.connect(MQTTConnect(version: .v3_1, clientID: "old", username: "u", password: buffer("p")))
        let bytes = encodeBytes(connect, .v3_1)
        #expect(Array(bytes[2..<11]) == str("MQIsdp") + [3])
        #expect(try decodeOne(bytes, version: nil) == connect)
        // After a 3.1 CONNECT the rest of the stream uses the 3.1.1 layout.
        let ack = MQTTPacket.puback(MQTTAck(packetID: 5))
        #expect(try decodeOne(encodeBytes(ack, .v3_1), version: .v3_1) == ack)
    }

    @Test("3.1.1 drops MQTT 5-only fields when writing")
    func v311DropsV5Fields() throws {
        let ack = MQTTPacket.puback(MQTTAck(packetID: 1, reasonCode: 0x80, properties: [.reasonString("x")]))
        #expect(encodeBytes(ack, .v3_1_1) == [0x40, 0x02, 0x00, 0x01])
        let disconnect = MQTTPacket.disconnect(MQTTDisconnect(reasonCode: 4))
        #expect(encodeBytes(disconnect, .v3_1_1) == [0xE0, 0x00])
        let unsuback = MQTTPacket.unsuback(MQTTUnsubAck(packetID: 2, reasonCodes: [0]))
        #expect(encodeBytes(unsuback, .v3_1_1) == [0xB0, 0x02, 0x00, 0x02])
        let subscribe = MQTTPacket.subscribe(
            MQTTSubscribe(packetID: 3, subscriptions: [MQTTSubscription(filter: "t", qos: .atLeastOnce, noLocal: true,
                                                                        retainAsPublished: true, retainHandling: 2)])
        )
        #expect(encodeBytes(subscribe, .v3_1_1) == frame(0x82, [0, 3] + str("t") + [0x01]))
        let publish = MQTTPacket.publish(MQTTPublish(topic: "t", payload: buffer("p"), properties: [.topicAlias(1)]))
        #expect(encodeBytes(publish, .v3_1_1) == frame(0x30, str("t") + Array("p".utf8)))
    }

    @Test("DUP is not written for QoS 0 and packet ID only for QoS > 0")
    func publishHeaderNormalisation() {
        let publish = MQTTPacket.publish(MQTTPublish(topic: "t", payload: buffer([]), dup: true, packetID: 9))
        #expect(encodeBytes(publish, .v3_1_1) == [0x30, 0x03, 0x00, 0x01, 0x74])
    }

    @Test("Decoded PUBLISH payload is a slice of the input, not a copy")
    func payloadIsSlice() throws {
        let payload = [UInt8](repeating: 7, count: 1000)
        var input = encode(.publish(MQTTPublish(topic: "t", payload: buffer(payload))), .v3_1_1)
        let inputStart = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let payloadOffset = input.readableBytes - payload.count
        var decoder = MQTTPacketDecoder(version: .v3_1_1)
        let packet = try decoder.decodePacket(from: &input)
        guard case .publish(let publish) = packet else {
            Issue.record("expected PUBLISH, got \(String(describing: packet))")
            return
        }
        #expect(publish.payload.readableBytesView.elementsEqual(payload))
        let payloadStart = publish.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadStart == inputStart + UInt(payloadOffset))
    }

    @Test("typeName names every packet type")
    func typeNames() {
        let names = (Samples.v311 + Samples.v5).map(\.typeName)
        #expect(Set(names) == [
            "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
            "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
        ])
    }
}
