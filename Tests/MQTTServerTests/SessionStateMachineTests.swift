import MQTTCore
import NIOCore
import Testing

@testable import MQTTServer

/// The MQTT session rules, driven event by event with no socket and a clock the test sets.
@Suite struct SessionStateMachineTests {
    typealias Machine = MQTTSessionStateMachine<String>

    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(pendingAcks: Int = 256, preConnectQueue: Int = 100) -> Machine {
        Machine(
            configuration: .init(
                maximumPacketSize: 65_536, keepAliveFactor: 1.5, preConnectQueueLimit: preConnectQueue,
                maximumPendingAcks: pendingAcks),
            now: start)
    }

    /// A machine past CONNECT, accepted for "device-1".
    static func connected(
        _ version: MQTTProtocolVersion, keepAlive: UInt16 = 60, pendingAcks: Int = 256
    ) -> Machine {
        var machine = machine(pendingAcks: pendingAcks)
        _ = machine.packetReceived(.connect(MQTTConnect(version: version, clientID: "c", keepAliveSeconds: keepAlive, username: "t")), now: start)
        _ = machine.accept("device-1", now: start)
        return machine
    }

    static func publish(_ id: UInt16?, qos: MQTTQoS = .atLeastOnce) -> MQTTPacket {
        .publish(MQTTPublish(topic: "v1/devices/me/telemetry", payload: ByteBuffer(string: "{}"), qos: qos, packetID: id))
    }

    static func puback(_ id: UInt16, _ reason: UInt8 = 0) -> Machine.AckStep {
        .send(MQTTAck(packetID: id, reasonCode: reason), followUp: nil)
    }

    // MARK: CONNECT

    @Test func connectAsksForAuthenticationAndAcceptSendsConnAckWithAKeepAliveCheckAtOneAndAHalfPeriods() {
        var machine = Self.machine()
        let connect = MQTTConnect(version: .v3_1_1, clientID: "c", keepAliveSeconds: 10, username: "token")
        #expect(machine.packetReceived(.connect(connect), now: Self.start) == .authenticate(connect))
        let accepted = machine.accept("device-1", now: Self.start)
        #expect(accepted == .sendConnAck(MQTTConnAck(returnCode: 0), keepAliveCheck: Self.start + .seconds(15)))
        guard case .connected("device-1") = machine.state else {
            Issue.record("expected connected, got \(machine.state)")
            return
        }
    }

    @Test func mqtt5ConnAckAnnouncesLimitsAndAssignsAClientIDOnlyWhenNoneWasGiven() throws {
        var anonymous = Self.machine()
        _ = anonymous.packetReceived(.connect(MQTTConnect(version: .v5, clientID: "", keepAliveSeconds: 0)), now: Self.start)
        guard case .sendConnAck(let connAck, let check) = anonymous.accept("d", now: Self.start) else {
            Issue.record("expected a CONNACK")
            return
        }
        #expect(check == nil)
        #expect(connAck.returnCode == 0)
        #expect(connAck.properties.items.contains(.maximumPacketSize(65_541)))
        #expect(connAck.properties.items.contains(.maximumQoS(1)))
        #expect(connAck.properties.items.contains { if case .assignedClientIdentifier = $0 { true } else { false } })

        var named = Self.machine()
        _ = named.packetReceived(.connect(MQTTConnect(version: .v5, clientID: "named")), now: Self.start)
        guard case .sendConnAck(let namedAck, _) = named.accept("d", now: Self.start) else {
            Issue.record("expected a CONNACK")
            return
        }
        #expect(!namedAck.properties.items.contains { if case .assignedClientIdentifier = $0 { true } else { false } })
    }

    @Test func refusedConnectAnswersWithTheCodeOfItsVersionAndEndsTheSession() {
        for (version, code) in [(MQTTProtocolVersion.v5, UInt8(0x86)), (.v3_1_1, 0x05)] {
            var machine = Self.machine()
            _ = machine.packetReceived(.connect(MQTTConnect(version: version, username: "wrong")), now: Self.start)
            #expect(machine.refuse(v5: 0x86, v3: 0x05) == .closeAfterWriting(.connack(MQTTConnAck(returnCode: code)), version: version))
            #expect(machine.packetReceived(.pingreq, now: Self.start) == .none)
            #expect(machine.accept("late", now: Self.start) == .none)
        }
    }

    @Test func aPacketBeforeConnectClosesAtOnce() {
        var machine = Self.machine()
        #expect(machine.packetReceived(.pingreq, now: Self.start) == .close(.closeNow))
        #expect(machine.packetReceived(.connect(MQTTConnect(version: .v5)), now: Self.start) == .none)
    }

    @Test func theConnectDeadlineClosesOnlyASocketThatNeverSentConnect() {
        var silent = Self.machine()
        #expect(silent.connectDeadlinePassed() == .closeNow)
        var connecting = Self.machine()
        _ = connecting.packetReceived(.connect(MQTTConnect(version: .v5, username: "t")), now: Self.start)
        #expect(connecting.connectDeadlinePassed() == .none)
    }

    @Test func aSecondConnectIsAProtocolError() {
        var machine = Self.connected(.v5)
        #expect(
            machine.packetReceived(.connect(MQTTConnect(version: .v5)), now: Self.start)
                == .close(.closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x82)), version: .v5)))
    }

    @Test func theClientsDisconnectClosesWithoutAnswer() {
        var machine = Self.connected(.v5)
        #expect(machine.packetReceived(.disconnect(MQTTDisconnect()), now: Self.start) == .close(.closeNow))
        #expect(machine.disconnect(0x98) == .none)
    }

    // MARK: Pre-connect queue

    @Test func packetsReceivedWhileAuthenticatingAreHandledInOrderAfterTheConnAck() {
        var machine = Self.machine()
        _ = machine.packetReceived(.connect(MQTTConnect(version: .v3_1_1, username: "t")), now: Self.start)
        #expect(machine.packetReceived(Self.publish(1), now: Self.start) == .none)
        #expect(machine.packetReceived(.pingreq, now: Self.start) == .none)
        #expect(machine.nextQueuedPacket() == nil, "nothing is handled before the CONNACK")
        _ = machine.accept("device-1", now: Self.start)
        guard case .publish(let publish, "device-1") = machine.nextQueuedPacket() else {
            Issue.record("expected the queued PUBLISH first")
            return
        }
        #expect(publish.packetID == 1)
        #expect(machine.nextQueuedPacket() == .pong)
        #expect(machine.nextQueuedPacket() == nil)
    }

    @Test func aFullPreConnectQueueEndsTheSessionWithQuotaExceeded() {
        var machine = Self.machine(preConnectQueue: 2)
        _ = machine.packetReceived(.connect(MQTTConnect(version: .v5, username: "t")), now: Self.start)
        #expect(machine.packetReceived(.pingreq, now: Self.start) == .none)
        #expect(machine.packetReceived(.pingreq, now: Self.start) == .none)
        #expect(
            machine.packetReceived(.pingreq, now: Self.start)
                == .close(.closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x97)), version: .v5)))
        #expect(machine.accept("too late", now: Self.start) == .none)
        #expect(machine.nextQueuedPacket() == nil)
    }

    // MARK: Keep-alive

    @Test func silenceForOneAndAHalfKeepAlivePeriodsEndsTheSession() {
        var machine = Self.connected(.v5, keepAlive: 10)
        #expect(
            machine.keepAliveCheckDue(now: Self.start + .seconds(15))
                == .close(.closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x8D)), version: .v5)))
    }

    @Test func aClientHeardFromMeanwhileIsCheckedAgainLater() {
        var machine = Self.connected(.v3_1_1, keepAlive: 10)
        _ = machine.packetReceived(.pingreq, now: Self.start + .seconds(12))
        #expect(machine.keepAliveCheckDue(now: Self.start + .seconds(15)) == .checkAgain(at: Self.start + .seconds(27)))
        #expect(machine.keepAliveCheckDue(now: Self.start + .seconds(27)) == .close(.closeAfterWriting(nil, version: .v3_1_1)))
    }

    @Test func keepAliveZeroNeverExpires() {
        var machine = Self.connected(.v5, keepAlive: 0)
        #expect(machine.keepAliveCheckDue(now: Self.start + .hours(24)) == .none)
    }

    // MARK: Ordered acknowledgements

    @Test func acksLeaveInPublishOrderWhenCompletionsArriveOutOfOrder() {
        var machine = Self.connected(.v3_1_1)
        let first = machine.reserveAck(packetID: 1).slot
        let second = machine.reserveAck(packetID: 2).slot
        let third = machine.reserveAck(packetID: 3).slot

        let flushForThird = machine.completeAck(third, with: .ack(0, followUp: nil))
        let flushForFirst = machine.completeAck(first, with: .ack(0, followUp: nil))
        #expect(flushForThird, "the first completion asks for a flush")
        #expect(!flushForFirst, "one flush is enough for a burst")
        #expect(machine.nextAck() == Self.puback(1))
        #expect(machine.nextAck() == .done(resumeReading: false), "3 waits behind 2")

        let flushForSecond = machine.completeAck(second, with: .ack(0, followUp: nil))
        #expect(flushForSecond)
        #expect(machine.nextAck() == Self.puback(2))
        #expect(machine.nextAck() == Self.puback(3))
        #expect(machine.nextAck() == .done(resumeReading: false))
        #expect(machine.pendingAcks == 0)
    }

    @Test func qos0PublishesKeepTheirPlaceButGetNoPuback() {
        var machine = Self.connected(.v3_1_1)
        let qos0 = machine.reserveAck(packetID: nil).slot
        let qos1 = machine.reserveAck(packetID: 9).slot
        _ = machine.completeAck(qos1, with: .ack(0, followUp: nil))
        #expect(machine.nextAck() == .done(resumeReading: false))
        _ = machine.completeAck(qos0, with: .ack(0, followUp: nil))
        #expect(machine.nextAck() == .send(nil, followUp: nil))
        #expect(machine.nextAck() == Self.puback(9))
    }

    @Test func reasonCodesAndReasonStringsReachOnlyMQTT5Clients() {
        var v5 = Self.connected(.v5)
        var v3 = Self.connected(.v3_1_1)
        let unknownTopic = AckOutcome.ack(0x90, followUp: nil)
        _ = v5.completeAck(v5.reserveAck(packetID: 1).slot, with: unknownTopic)
        _ = v3.completeAck(v3.reserveAck(packetID: 1).slot, with: unknownTopic)
        #expect(v5.nextAck() == Self.puback(1, 0x90))
        #expect(v3.nextAck() == Self.puback(1, 0))

        _ = v5.completeAck(v5.reserveAck(packetID: 2).slot, with: .refuse(0x99, reason: "not JSON"))
        #expect(v5.nextAck() == .send(MQTTAck(packetID: 2, reasonCode: 0x99, properties: [.reasonString("not JSON")]), followUp: nil))
    }

    @Test func aResponsePublishFollowsItsPuback() {
        var machine = Self.connected(.v5)
        let response = ResponsePublish(topic: "v1/devices/me/rpc/response/7", payload: "{}")
        _ = machine.completeAck(machine.reserveAck(packetID: 4).slot, with: .ack(0, followUp: response))
        #expect(machine.nextAck() == .send(MQTTAck(packetID: 4), followUp: response))
    }

    @Test func aFailureThatEndsTheSessionDropsEveryLaterAck() {
        for version in [MQTTProtocolVersion.v5, .v3_1_1] {
            var machine = Self.connected(version)
            let bad = machine.reserveAck(packetID: nil).slot
            let later = machine.reserveAck(packetID: 2).slot
            _ = machine.completeAck(later, with: .ack(0, followUp: nil))
            _ = machine.completeAck(bad, with: .disconnect(0x99))
            #expect(machine.nextAck() == .disconnect(0x99))
            let expected: MQTTPacket? = version == .v5 ? .disconnect(MQTTDisconnect(reasonCode: 0x99)) : nil
            #expect(machine.disconnect(0x99) == .closeAfterWriting(expected, version: version))
            #expect(machine.pendingAcks == 0)
            let flushAfterEnd = machine.completeAck(later, with: .ack(0, followUp: nil))
            #expect(!flushAfterEnd, "a completion after the end is ignored")
        }
    }

    // MARK: Backpressure

    @Test func readingStopsAtThePendingAckLimitAndResumesAtHalf() {
        var machine = Self.connected(.v3_1_1, pendingAcks: 4)
        var slots: [Int] = []
        for id in 1...3 {
            let reservation = machine.reserveAck(packetID: UInt16(id))
            #expect(!reservation.stopReading)
            slots.append(reservation.slot)
        }
        let fourth = machine.reserveAck(packetID: 4)
        #expect(fourth.stopReading)
        #expect(machine.readingStopped)
        slots.append(fourth.slot)
        let fifth = machine.reserveAck(packetID: 5)
        #expect(!fifth.stopReading, "already stopped: said once")
        slots.append(fifth.slot)

        for slot in slots.prefix(2) { _ = machine.completeAck(slot, with: .ack(0, followUp: nil)) }
        #expect(machine.nextAck() == Self.puback(1))
        #expect(machine.nextAck() == Self.puback(2))
        #expect(machine.nextAck() == .done(resumeReading: false), "3 outstanding is above half of 4")

        _ = machine.completeAck(slots[2], with: .ack(0, followUp: nil))
        #expect(machine.nextAck() == Self.puback(3))
        #expect(machine.nextAck() == .done(resumeReading: true))
        #expect(!machine.readingStopped)
    }

    // MARK: QoS and errors

    @Test func qos2IsRefusedOnMQTT5AndPassedOnOn311() {
        var v5 = Self.connected(.v5)
        #expect(
            v5.packetReceived(Self.publish(1, qos: .exactlyOnce), now: Self.start)
                == .close(.closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x9B)), version: .v5)))
        var v3 = Self.connected(.v3_1_1)
        guard case .publish(let publish, "device-1") = v3.packetReceived(Self.publish(1, qos: .exactlyOnce), now: Self.start) else {
            Issue.record("expected the PUBLISH to reach the dialect")
            return
        }
        #expect(publish.qos == .exactlyOnce)
    }

    @Test func qos2FlowPacketsAndAuthAreProtocolErrors() {
        for packet in [MQTTPacket.pubrel(MQTTAck(packetID: 1)), .pubrec(MQTTAck(packetID: 1)), .auth(MQTTAuth())] {
            var machine = Self.connected(.v5)
            #expect(
                machine.packetReceived(packet, now: Self.start)
                    == .close(.closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x82)), version: .v5)))
        }
    }

    @Test func decodeErrorsMapToTheirReasonCodes() {
        var tooLarge = Self.connected(.v5)
        #expect(
            tooLarge.decodeFailed(.packetTooLarge(size: 70_000, limit: 65_541))
                == .closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0x95)), version: .v5))
        var malformed311 = Self.connected(.v3_1_1)
        #expect(malformed311.decodeFailed(.malformedRemainingLength) == .closeAfterWriting(nil, version: .v3_1_1))

        var unknownProtocol = Self.machine()
        #expect(
            unknownProtocol.decodeFailed(.unsupportedProtocol(name: "MQTX", level: 4))
                == .closeAfterWriting(.connack(MQTTConnAck(returnCode: 0x01)), version: .v3_1_1))
    }

    @Test func theEndOfAProvisioningLifetimeSaysMaximumConnectTime() {
        var machine = Self.connected(.v5)
        #expect(machine.lifetimeEnded() == .closeAfterWriting(.disconnect(MQTTDisconnect(reasonCode: 0xA0)), version: .v5))
        #expect(machine.lifetimeEnded() == .none)
    }
}
