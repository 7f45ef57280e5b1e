import MQTTCore
import NIOCore
import StewardCore

/// The MQTT side of one connection as a value: CONNECT, keep-alive, the queue of packets that arrive while CONNECT
/// is being authenticated, acknowledgements in PUBLISH order, backpressure, and how the session ends.
///
/// Each event is a mutating method that returns what the caller must do (write a packet, close, stop or resume
/// reading, check the keep-alive later…), in the style of swift-nio's state machines. It owns no socket, timer or
/// task, and takes the time as an argument, so every rule can be tested without a network or a clock. The
/// `MQTTConnectionHandler` feeds it channel events and carries out its actions; what a PUBLISH *means* (topics,
/// payloads, credentials) belongs to the dialect, here `ThingsBoardDialect`.
///
/// `Principal` is whom the session speaks for once accepted (for ThingsBoard, a device or a provisioning client).
struct MQTTSessionStateMachine<Principal> {
    /// The limits the machine enforces, taken from `MQTTServerConfiguration`.
    struct Configuration: Sendable {
        /// Largest accepted packet body; announced in the MQTT 5 CONNACK (plus the fixed header's 5 bytes).
        var maximumPacketSize: Int
        /// A client silent for this many keep-alive periods is disconnected (the spec's 1.5).
        var keepAliveFactor: Double
        /// Packets accepted while CONNECT is being authenticated; one more ends the session (0x97).
        var preConnectQueueLimit: Int
        /// Outstanding acknowledgements at which reading stops; it resumes once half have been sent.
        var maximumPendingAcks: Int

        init(maximumPacketSize: Int, keepAliveFactor: Double, preConnectQueueLimit: Int, maximumPendingAcks: Int) {
            self.maximumPacketSize = maximumPacketSize
            self.keepAliveFactor = keepAliveFactor
            self.preConnectQueueLimit = preConnectQueueLimit
            self.maximumPendingAcks = maximumPendingAcks
        }

        init(_ server: MQTTServerConfiguration) {
            self.init(
                maximumPacketSize: server.maximumPacketSize, keepAliveFactor: server.keepAliveFactor,
                preConnectQueueLimit: server.preConnectQueueLimit, maximumPendingAcks: server.maximumPendingAcks)
        }
    }

    enum State {
        /// The connection is open and CONNECT has not arrived.
        case awaitingConnect
        /// CONNECT arrived and its credentials are being checked; later packets wait in the pre-connect queue.
        case authenticating
        /// CONNECT was accepted (CONNACK 0 sent).
        case connected(Principal)
        /// The session ended; every later event is ignored.
        case closed
    }

    /// How to end the connection.
    enum CloseAction: Equatable {
        /// Nothing to do: the session had already ended.
        case none
        /// Close at once, without a word (a packet before CONNECT, the client's own DISCONNECT, the connect deadline).
        case closeNow
        /// Write `packet` if there is one (encoded for `version`), then close once everything written is flushed.
        case closeAfterWriting(MQTTPacket?, version: MQTTProtocolVersion)
    }

    /// What to do with a packet that arrived.
    enum ReadAction {
        /// Nothing (the session is closed, or the packet waits for authentication to finish).
        case none
        /// CONNECT arrived: let the dialect check its credentials, then call `accept` or `refuse`.
        case authenticate(MQTTConnect)
        /// A PUBLISH for the dialect; reserve its acknowledgement with `reserveAck` before starting the work.
        case publish(MQTTPublish, Principal)
        case subscribe(MQTTSubscribe, Principal)
        case unsubscribe(MQTTUnsubscribe, Principal)
        /// The client acknowledged a PUBLISH the server sent it.
        case delivered(packetID: UInt16)
        /// Answer with PINGRESP.
        case pong
        case close(CloseAction)
    }

    /// What to do once CONNECT is accepted.
    enum AcceptAction: Equatable {
        /// The session ended while authentication ran; nothing to send.
        case none
        /// Send this CONNACK, then drain `nextQueuedPacket`; check the keep-alive at `keepAliveCheck` if set.
        case sendConnAck(MQTTConnAck, keepAliveCheck: NIODeadline?)
    }

    enum KeepAliveAction: Equatable {
        case none
        /// The client was heard from meanwhile: check again at this time.
        case checkAgain(at: NIODeadline)
        case close(CloseAction)
    }

    /// The result of reserving an acknowledgement slot.
    struct AckReservation: Equatable {
        /// Pass to `completeAck` when the work finishes.
        var slot: Int
        /// Too many acknowledgements are outstanding: stop reading from the socket until `nextAck` says resume.
        var stopReading: Bool
    }

    /// One step of sending finished acknowledgements; call `nextAck` until it returns `.done`.
    enum AckStep: Equatable {
        /// Write this PUBACK (if the PUBLISH was QoS 1), then this response PUBLISH (if any).
        case send(MQTTAck?, followUp: ResponsePublish?)
        /// The work failed in a way that ends the session: call `disconnect` with this reason.
        case disconnect(UInt8)
        /// Nothing more is ready: flush what was written, and resume reading if `resumeReading`.
        case done(resumeReading: Bool)
    }

    let configuration: Configuration
    private(set) var state = State.awaitingConnect
    /// The protocol version of CONNECT (3.1.1 until it arrives).
    private(set) var version = MQTTProtocolVersion.v3_1_1
    /// Silence longer than this ends the session; nil when the client asked for no keep-alive.
    private(set) var keepAliveLimit: TimeAmount?
    private var lastActivity: NIODeadline
    /// CONNECT had an empty client id: the MQTT 5 CONNACK assigns one.
    private var assignsClientID = false
    private var preConnectQueue = CircularBuffer<MQTTPacket>()
    private var acks = OrderedAcks()
    private(set) var readingStopped = false
    private var ackFlushScheduled = false

    init(configuration: Configuration, now: NIODeadline) {
        self.configuration = configuration
        self.lastActivity = now
    }

    /// Acknowledgements reserved and not yet sent.
    var pendingAcks: Int { acks.count }

    // MARK: Packets

    /// A packet arrived at `now`.
    mutating func packetReceived(_ packet: MQTTPacket, now: NIODeadline) -> ReadAction {
        lastActivity = now
        switch state {
        case .awaitingConnect:
            guard case .connect(let connect) = packet else {
                state = .closed
                return .close(.closeNow)
            }
            version = connect.version
            if connect.keepAliveSeconds > 0 {
                keepAliveLimit = .milliseconds(
                    Int64(Double(connect.keepAliveSeconds) * 1000 * configuration.keepAliveFactor))
            }
            assignsClientID = connect.clientID.isEmpty
            state = .authenticating
            return .authenticate(connect)
        case .authenticating:
            guard preConnectQueue.count < configuration.preConnectQueueLimit else {
                return .close(disconnect(MQTTReasonCode.quotaExceeded))
            }
            preConnectQueue.append(packet)
            return .none
        case .connected(let principal):
            return dispatch(packet, principal: principal)
        case .closed:
            return .none
        }
    }

    /// The next packet that arrived before CONNECT was accepted, now that it is; nil when none is left (or the
    /// session ended meanwhile).
    mutating func nextQueuedPacket() -> ReadAction? {
        guard case .connected(let principal) = state, let packet = preConnectQueue.popFirst() else { return nil }
        return dispatch(packet, principal: principal)
    }

    private mutating func dispatch(_ packet: MQTTPacket, principal: Principal) -> ReadAction {
        switch packet {
        case .publish(let publish):
            // Steward grants QoS 1 at most (CONNACK says so on MQTT 5).
            if publish.qos == .exactlyOnce && version == .v5 {
                return .close(disconnect(MQTTReasonCode.qosNotSupported))
            }
            return .publish(publish, principal)
        case .subscribe(let subscribe):
            return .subscribe(subscribe, principal)
        case .unsubscribe(let unsubscribe):
            return .unsubscribe(unsubscribe, principal)
        case .puback(let ack):
            return .delivered(packetID: ack.packetID)
        case .pingreq:
            return .pong
        case .disconnect:
            state = .closed
            return .close(.closeNow)
        case .connect, .pubrec, .pubrel, .pubcomp, .auth, .connack, .suback, .unsuback, .pingresp:
            // A second CONNECT, QoS 2 flows, enhanced authentication, or packets only a server sends.
            return .close(disconnect(MQTTReasonCode.protocolError))
        }
    }

    // MARK: CONNECT

    /// The dialect accepted CONNECT for `principal`.
    mutating func accept(_ principal: Principal, now: NIODeadline) -> AcceptAction {
        guard case .authenticating = state else { return .none }
        state = .connected(principal)
        var properties = MQTTProperties()
        if version == .v5 {
            properties.append(.maximumPacketSize(UInt32(configuration.maximumPacketSize + 5)))
            properties.append(.maximumQoS(1))
            properties.append(.retainAvailable(0))
            properties.append(.wildcardSubscriptionAvailable(0))
            properties.append(.sharedSubscriptionAvailable(0))
            properties.append(.subscriptionIdentifierAvailable(0))
            if assignsClientID {
                properties.append(.assignedClientIdentifier("steward-" + RandomToken.alphanumeric(length: 12)))
            }
        }
        let connAck = MQTTConnAck(sessionPresent: false, returnCode: MQTTReasonCode.success, properties: properties)
        return .sendConnAck(connAck, keepAliveCheck: keepAliveLimit.map { lastActivity + $0 })
    }

    /// The dialect refused CONNECT: CONNACK with the code for this version, then close.
    mutating func refuse(v5: UInt8, v3: UInt8) -> CloseAction {
        guard case .authenticating = state else { return .none }
        state = .closed
        return .closeAfterWriting(.connack(MQTTConnAck(returnCode: version == .v5 ? v5 : v3)), version: version)
    }

    // MARK: Timers

    /// The time to send CONNECT is over.
    mutating func connectDeadlinePassed() -> CloseAction {
        guard case .awaitingConnect = state else { return .none }
        state = .closed
        return .closeNow
    }

    /// The keep-alive check scheduled by `accept` (or by an earlier check) is due.
    mutating func keepAliveCheckDue(now: NIODeadline) -> KeepAliveAction {
        guard let limit = keepAliveLimit else { return .none }
        switch state {
        case .closed, .awaitingConnect:
            return .none
        case .authenticating, .connected:
            let deadline = lastActivity + limit
            if now >= deadline { return .close(disconnect(MQTTReasonCode.keepAliveTimeout)) }
            return .checkAgain(at: deadline)
        }
    }

    /// The session lived as long as the server allows it (provisioning sessions).
    mutating func lifetimeEnded() -> CloseAction {
        guard case .connected = state else { return .none }
        return disconnect(MQTTReasonCode.maximumConnectTime)
    }

    // MARK: Acknowledgements

    /// Reserves the acknowledgement of a PUBLISH (`packetID` nil for QoS 0, which is only kept in order). Asks to
    /// stop reading once `maximumPendingAcks` are outstanding, so a fast publisher is slowed down by TCP instead of
    /// filling memory.
    mutating func reserveAck(packetID: UInt16?) -> AckReservation {
        let slot = acks.append(packetID: packetID)
        var stop = false
        if acks.count >= configuration.maximumPendingAcks, !readingStopped {
            readingStopped = true
            stop = true
        }
        return AckReservation(slot: slot, stopReading: stop)
    }

    /// The work for `slot` finished. Returns true when the caller must schedule a flush (`nextAck` until done):
    /// completions of one group commit arrive as a burst, and one flush per burst sends them in one write.
    mutating func completeAck(_ slot: Int, with outcome: AckOutcome) -> Bool {
        guard acks.complete(slot, with: outcome), !ackFlushScheduled else { return false }
        ackFlushScheduled = true
        return true
    }

    /// The next finished acknowledgement at the front, in PUBLISH order.
    mutating func nextAck() -> AckStep {
        guard case .closed = state else {
            if let slot = acks.popFinished() {
                switch slot.outcome {
                case .pending:
                    preconditionFailure("popFinished returned a pending slot")
                case .ack(let reason, let followUp):
                    let ack = slot.packetID.map { MQTTAck(packetID: $0, reasonCode: version == .v5 ? reason : 0) }
                    return .send(ack, followUp: followUp)
                case .refuse(let reason, let text):
                    let ack = slot.packetID.map {
                        MQTTAck(packetID: $0, reasonCode: reason, properties: [.reasonString(text)])
                    }
                    return .send(ack, followUp: nil)
                case .disconnect(let reason):
                    acks.removeAll()
                    ackFlushScheduled = false
                    return .disconnect(reason)
                }
            }
            ackFlushScheduled = false
            if readingStopped, acks.count <= configuration.maximumPendingAcks / 2 {
                readingStopped = false
                return .done(resumeReading: true)
            }
            return .done(resumeReading: false)
        }
        ackFlushScheduled = false
        return .done(resumeReading: false)
    }

    // MARK: Ending

    /// Ends the session with `reason`: MQTT 5 clients past CONNECT get a DISCONNECT saying why, others are closed.
    mutating func disconnect(_ reason: UInt8) -> CloseAction {
        let packet: MQTTPacket?
        switch state {
        case .closed:
            return .none
        case .awaitingConnect:
            packet = nil
        case .authenticating, .connected:
            packet = version == .v5 ? .disconnect(MQTTDisconnect(reasonCode: reason)) : nil
        }
        state = .closed
        acks.removeAll()
        preConnectQueue.removeAll()
        return .closeAfterWriting(packet, version: version)
    }

    /// The decoder refused the input: the reason code that says which way (CONNACK 0x01 for a protocol name other
    /// than MQTT's, in 3.1.1 form because the client's version is unknown).
    mutating func decodeFailed(_ error: MQTTDecodeError) -> CloseAction {
        switch error {
        case .packetTooLarge: return disconnect(MQTTReasonCode.packetTooLarge)
        case .malformedPacket, .malformedRemainingLength: return disconnect(MQTTReasonCode.malformedPacket)
        case .protocolViolation: return disconnect(MQTTReasonCode.protocolError)
        case .unsupportedProtocol:
            var refusal: MQTTPacket?
            if case .awaitingConnect = state {
                refusal = .connack(MQTTConnAck(returnCode: MQTTReasonCode.v3UnacceptableProtocol))
            }
            guard case .closeAfterWriting = disconnect(MQTTReasonCode.unsupportedProtocolVersion) else { return .none }
            return .closeAfterWriting(refusal, version: .v3_1_1)
        }
    }

    /// Close at once without a word (an error on the channel, the end of a provisioning session's answer time).
    mutating func close() -> CloseAction {
        if case .closed = state { return .none }
        state = .closed
        acks.removeAll()
        preConnectQueue.removeAll()
        return .closeNow
    }

    /// The channel closed (by either side).
    mutating func channelClosed() {
        state = .closed
        acks.removeAll()
        preConnectQueue.removeAll()
    }
}

extension MQTTSessionStateMachine.ReadAction: Equatable where Principal: Equatable {}
