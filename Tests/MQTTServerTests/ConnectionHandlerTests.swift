import Logging
import MQTTCore
import NIOCore
import NIOEmbedded
import StewardCore
import StewardDevices
import Testing

@testable import MQTTServer

/// The handler end to end at the byte level, on an in-memory channel with a fake device API.
@Suite struct ConnectionHandlerTests {
    static func channel(api: FakeDeviceAPI) async throws -> NIOAsyncTestingChannel {
        let configuration = MQTTServerConfiguration()
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(MQTTPacketDecoder(maximumPacketSize: configuration.maximumPacketSize + 5)))
            try channel.pipeline.syncOperations.addHandler(
                MQTTConnectionHandler(api: api, configuration: configuration, logger: Logger(label: "test")))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).get()
        return channel
    }

    static func bytes(_ packets: [MQTTPacket], version: MQTTProtocolVersion) -> ByteBuffer {
        var buffer = ByteBuffer()
        for packet in packets { packet.write(to: &buffer, version: version) }
        return buffer
    }

    /// The next packet the server wrote, waiting for it if needed.
    static func nextPacket(_ channel: NIOAsyncTestingChannel, version: MQTTProtocolVersion) async throws -> MQTTPacket? {
        var buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        var decoder = MQTTPacketDecoder(version: version)
        return try decoder.decodePacket(from: &buffer)
    }

    static func telemetry(_ id: UInt16, _ json: String = #"{"t":1}"#) -> MQTTPacket {
        .publish(MQTTPublish(topic: "v1/devices/me/telemetry", payload: ByteBuffer(string: json), qos: .atLeastOnce, packetID: id))
    }

    @Test func pubacksLeaveInPublishOrderOnlyAfterEachCommit() async throws {
        let api = FakeDeviceAPI(devices: [FakeDeviceAPI.device(token: "good")])
        let channel = try await Self.channel(api: api)
        let connect = MQTTPacket.connect(MQTTConnect(version: .v3_1_1, clientID: "c", keepAliveSeconds: 0, username: "good"))
        try await channel.writeInbound(Self.bytes([connect], version: .v3_1_1))
        #expect(try await Self.nextPacket(channel, version: .v3_1_1) == .connack(MQTTConnAck(returnCode: 0)))

        try await channel.writeInbound(Self.bytes([Self.telemetry(1), Self.telemetry(2)], version: .v3_1_1))
        #expect(api.pendingTelemetryCount == 2)
        api.commitTelemetry(at: 1)
        await channel.testingEventLoop.run()
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil, "PUBACK 2 waits for PUBLISH 1's commit")

        api.commitTelemetry(at: 0)
        #expect(try await Self.nextPacket(channel, version: .v3_1_1) == .puback(MQTTAck(packetID: 1)))
        #expect(try await Self.nextPacket(channel, version: .v3_1_1) == .puback(MQTTAck(packetID: 2)))
        #expect(channel.isActive)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aPublishSentWithConnectIsHandledAfterAuthentication() async throws {
        let api = FakeDeviceAPI(devices: [FakeDeviceAPI.device(token: "good")])
        let channel = try await Self.channel(api: api)
        let connect = MQTTPacket.connect(MQTTConnect(version: .v5, clientID: "c", keepAliveSeconds: 0, username: "good"))
        try await channel.writeInbound(Self.bytes([connect, Self.telemetry(7)], version: .v5))

        guard case .connack(let connAck) = try await Self.nextPacket(channel, version: .v5) else {
            Issue.record("expected CONNACK first")
            return
        }
        #expect(connAck.returnCode == 0)
        await channel.testingEventLoop.run()
        #expect(api.pendingTelemetryCount == 1)
        api.commitTelemetry(at: 0)
        #expect(try await Self.nextPacket(channel, version: .v5) == .puback(MQTTAck(packetID: 7)))
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aBadPayloadIsRefusedInItsPubackOnMQTT5AndTheSessionGoesOn() async throws {
        let api = FakeDeviceAPI(devices: [FakeDeviceAPI.device(token: "good")], badPayload: "nonsense")
        let channel = try await Self.channel(api: api)
        let connect = MQTTPacket.connect(MQTTConnect(version: .v5, clientID: "c", keepAliveSeconds: 0, username: "good"))
        try await channel.writeInbound(Self.bytes([connect], version: .v5))
        _ = try await Self.nextPacket(channel, version: .v5)

        try await channel.writeInbound(Self.bytes([Self.telemetry(1, "nonsense")], version: .v5))
        guard case .puback(let refusal) = try await Self.nextPacket(channel, version: .v5) else {
            Issue.record("expected a PUBACK")
            return
        }
        #expect(refusal.packetID == 1)
        #expect(refusal.reasonCode == MQTTReasonCode.payloadFormatInvalid)
        #expect(refusal.properties.items.contains { if case .reasonString(let text) = $0 { text.contains("Invalid JSON") } else { false } })
        try await channel.writeInbound(Self.bytes([.pingreq], version: .v5))
        #expect(try await Self.nextPacket(channel, version: .v5) == .pingresp)
        #expect(channel.isActive)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func anUnknownTokenIsRefusedWithTheCodeOfItsVersionAndClosed() async throws {
        for (version, code) in [(MQTTProtocolVersion.v5, MQTTReasonCode.badUsernameOrPassword), (.v3_1_1, MQTTReasonCode.v3NotAuthorized)] {
            let channel = try await Self.channel(api: FakeDeviceAPI())
            let connect = MQTTPacket.connect(MQTTConnect(version: version, clientID: "c", username: "unknown"))
            try await channel.writeInbound(Self.bytes([connect], version: version))
            #expect(try await Self.nextPacket(channel, version: version) == .connack(MQTTConnAck(returnCode: code)))
            try await channel.closeFuture.get()
            #expect(!channel.isActive)
        }
    }

    @Test func aPacketBeforeConnectClosesWithoutAWord() async throws {
        let channel = try await Self.channel(api: FakeDeviceAPI())
        try await channel.writeInbound(Self.bytes([.pingreq], version: .v3_1_1))
        try await channel.closeFuture.get()
        var written = 0
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { written += buffer.readableBytes }
        #expect(written == 0)
    }

    @Test func aSubscribedDeviceReceivesSharedAttributesAndIsClosedByTheHub() async throws {
        let device = FakeDeviceAPI.device(token: "good")
        let api = FakeDeviceAPI(devices: [device])
        let channel = try await Self.channel(api: api)
        let connect = MQTTPacket.connect(MQTTConnect(version: .v5, clientID: "c", keepAliveSeconds: 0, username: "good"))
        try await channel.writeInbound(Self.bytes([connect], version: .v5))
        _ = try await Self.nextPacket(channel, version: .v5)

        let subscribe = MQTTSubscribe(packetID: 3, subscriptions: [MQTTSubscription(filter: "v1/devices/me/attributes", qos: .atMostOnce)])
        try await channel.writeInbound(Self.bytes([.subscribe(subscribe)], version: .v5))
        #expect(try await Self.nextPacket(channel, version: .v5) == .suback(MQTTSubAck(packetID: 3, reasonCodes: [0])))

        api.hub.publishAttributeUpdate(device.id, json: #"{"interval":5}"#)
        guard case .publish(let push) = try await Self.nextPacket(channel, version: .v5) else {
            Issue.record("expected the shared attributes to be pushed")
            return
        }
        #expect(push.topic == "v1/devices/me/attributes")
        #expect(String(buffer: push.payload) == #"{"interval":5}"#)

        api.hub.closeSessions(device.id, reason: "deleted")
        #expect(
            try await Self.nextPacket(channel, version: .v5)
                == .disconnect(MQTTDisconnect(reasonCode: MQTTReasonCode.administrativeAction)))
        try await channel.closeFuture.get()
        api.hub.publishAttributeUpdate(device.id, json: #"{"interval":6}"#)
        await channel.testingEventLoop.run()
        var after = 0
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { after += buffer.readableBytes }
        #expect(after == 0, "a closed session is no longer in the hub")
    }

    @Test func aProvisioningSessionGetsItsAnswerAfterThePuback() async throws {
        let channel = try await Self.channel(api: FakeDeviceAPI())
        let connect = MQTTPacket.connect(MQTTConnect(version: .v3_1_1, clientID: "x", keepAliveSeconds: 0, username: "provision"))
        try await channel.writeInbound(Self.bytes([connect], version: .v3_1_1))
        #expect(try await Self.nextPacket(channel, version: .v3_1_1) == .connack(MQTTConnAck(returnCode: 0)))

        let request = MQTTPublish(
            topic: "/provision/request", payload: ByteBuffer(string: #"{"provisionDeviceKey":"k"}"#), qos: .atLeastOnce, packetID: 1)
        try await channel.writeInbound(Self.bytes([.publish(request)], version: .v3_1_1))
        #expect(try await Self.nextPacket(channel, version: .v3_1_1) == .puback(MQTTAck(packetID: 1)))
        guard case .publish(let answer) = try await Self.nextPacket(channel, version: .v3_1_1) else {
            Issue.record("expected the provisioning answer")
            return
        }
        #expect(answer.topic == "/provision/response")
        #expect(String(buffer: answer.payload) == #"{"status":"SUCCESS"}"#)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }
}
