import NIOCore
import Testing

@testable import MQTTCore

@Suite("CONNECT validation")
struct ConnectValidationTests {
    /// CONNECT body with the given flags; v5 gets an empty property length after the keep alive.
    static func connect(level: UInt8 = 4, flags: UInt8, payload: [UInt8] = str("id")) -> [UInt8] {
        var body = str(level == 3 ? "MQIsdp" : "MQTT") + [level, flags, 0x00, 0x3C]
        if level == 5 { body.append(0) }
        return frame(0x10, body + payload)
    }

    @Test("Reserved connect flag bit 0 must be 0")
    func reservedFlag() {
        for level: UInt8 in [3, 4, 5] {
            expectMalformed(Self.connect(level: level, flags: 0x03), version: nil, "CONNECT reserved flag bit 0 is set")
        }
    }

    @Test("Password without username: malformed on 3.1.x, allowed on 5")
    func passwordWithoutUsername() throws {
        let password: [UInt8] = str("id") + [0x00, 0x02, 0x70, 0x77]
        expectMalformed(Self.connect(level: 4, flags: 0x42, payload: password), version: nil,
                        "CONNECT password flag set without username flag")
        expectMalformed(Self.connect(level: 3, flags: 0x42, payload: password), version: nil,
                        "CONNECT password flag set without username flag")
        let decoded = try decodeOne(Self.connect(level: 5, flags: 0x42, payload: password), version: nil)
        #expect(decoded == .connect(MQTTConnect(version: .v5, clientID: "id", password: buffer("pw"))))
    }

    @Test("Will QoS / retain without will flag are malformed")
    func willFlagsConsistency() {
        for level: UInt8 in [4, 5] {
            expectMalformed(Self.connect(level: level, flags: 0x0A), version: nil,
                            "CONNECT will QoS set without will flag")
            expectMalformed(Self.connect(level: level, flags: 0x12), version: nil,
                            "CONNECT will QoS set without will flag")
            expectMalformed(Self.connect(level: level, flags: 0x22), version: nil,
                            "CONNECT will retain set without will flag")
        }
    }

    @Test("Will QoS 3 is malformed")
    func willQoS3() {
        let will = str("id") + str("w") + str("p")
        expectMalformed(Self.connect(flags: 0x1E, payload: will), version: nil, "CONNECT will QoS is 3")
    }

    @Test("Will topic must be a valid topic name")
    func willTopic() {
        expectMalformed(Self.connect(flags: 0x06, payload: str("id") + str("a/#") + str("p")), version: nil,
                        "CONNECT will topic contains wildcard")
        expectMalformed(Self.connect(flags: 0x06, payload: str("id") + str("") + str("p")), version: nil,
                        "CONNECT will topic is empty")
        expectMalformed(Self.connect(flags: 0x06, payload: str("id") + str("w")), version: nil,
                        "CONNECT will payload length missing")
    }

    @Test("Missing or extra payload fields")
    func payloadShape() {
        expectMalformed(Self.connect(flags: 0x02, payload: []), version: nil,
                        "CONNECT client identifier length missing")
        expectMalformed(Self.connect(flags: 0x82, payload: str("id")), version: nil,
                        "CONNECT username length missing")
        expectMalformed(Self.connect(flags: 0xC2, payload: str("id") + str("u")), version: nil,
                        "CONNECT password length missing")
        expectMalformed(Self.connect(flags: 0x02, payload: str("id") + [0x00]), version: nil,
                        "CONNECT has 1 unexpected trailing byte(s)")
        expectMalformed(frame(0x10, str("MQTT")), version: nil, "CONNECT protocol level missing")
        expectMalformed(frame(0x10, str("MQTT") + [4]), version: nil, "CONNECT flags missing")
        expectMalformed(frame(0x10, str("MQTT") + [4, 2, 0]), version: nil, "CONNECT keep alive missing")
        expectMalformed(frame(0x10, [0x00]), version: nil, "CONNECT protocol name missing")
        expectMalformed(frame(0x10, [0x00, 0x09, 0x4D]), version: nil,
                        "CONNECT protocol name length 9 exceeds packet")
        expectMalformed(frame(0x10, str("MQTT") + [5, 2, 0, 60]), version: nil,
                        "CONNECT property length truncated")
    }

    @Test("Protocol name must be MQTT or MQIsdp")
    func protocolName() {
        #expect(decodeError(frame(0x10, str("MQTX") + [4, 2, 0, 60] + str("c")), version: nil)
            == .unsupportedProtocol(name: "MQTX", level: 4))
        #expect(decodeError(frame(0x10, str("MQIsdpX")), version: nil)
            == .unsupportedProtocol(name: "MQIsdpX", level: 0))
        #expect(decodeError(frame(0x10, [0, 2, 0xFF, 0xFE, 4]), version: nil)
            == .unsupportedProtocol(name: "\u{FFFD}\u{FFFD}", level: 4))
    }

    @Test("MQTT 5 CONNECT with will properties")
    func willProperties() throws {
        let willProps: [UInt8] = [0x05, 0x18, 0x00, 0x00, 0x00, 0x0A]
        let payload = str("id") + willProps + str("w") + str("bye")
        let decoded = try decodeOne(Self.connect(level: 5, flags: 0x0E, payload: payload), version: nil)
        let expected = MQTTConnect(
            version: .v5,
            clientID: "id",
            will: MQTTWill(topic: "w", payload: buffer("bye"), qos: .atLeastOnce, properties: [.willDelayInterval(10)])
        )
        #expect(decoded == .connect(expected))
        // Will Delay Interval is a will property, not a CONNECT property.
        let wrong = frame(0x10, str("MQTT") + [5, 2, 0, 60] + willProps + str("id"))
        expectMalformed(wrong, version: nil, "CONNECT may not carry property Will Delay Interval")
        // ...and Session Expiry Interval is not a will property.
        let wrongWill = str("id") + [0x05, 0x11, 0, 0, 0, 1] + str("w") + str("bye")
        expectMalformed(Self.connect(level: 5, flags: 0x06, payload: wrongWill), version: nil,
                        "CONNECT will may not carry property Session Expiry Interval")
    }

    @Test("CONNECT decoded on a known-version decoder still uses its own level")
    func clientModeConnect() throws {
        #expect(try decodeOne(KnownBytesTests.mosquittoConnect, version: .v5)
            == .connect(MQTTConnect(version: .v3_1_1, clientID: "client", keepAliveSeconds: 60)))
    }
}
