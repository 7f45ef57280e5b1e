/// The MQTT 5 reason codes and MQTT 3.1.1 return codes a server sends, by name.
///
/// Plain `UInt8` constants rather than an enum: the packets carry the byte as it is on the wire
/// (`MQTTConnAck.returnCode`, `MQTTAck.reasonCode`, …), and the same byte means different things in different
/// packets (0x80 is "unspecified error" in a DISCONNECT and "failure" in a 3.1.1 SUBACK). The `v3` names are the
/// 3.1.1 CONNACK and SUBACK codes; the others are MQTT 5's (§2.4).
public enum MQTTReasonCode {
    /// 0x00: success (CONNACK accepted, PUBACK, UNSUBACK), granted QoS 0, normal disconnection.
    public static let success: UInt8 = 0x00
    /// 3.1.1 CONNACK 0x01: the server does not support the protocol level the client asked for.
    public static let v3UnacceptableProtocol: UInt8 = 0x01
    /// 3.1.1 CONNACK 0x02: the client identifier is not allowed.
    public static let v3IdentifierRejected: UInt8 = 0x02
    /// 3.1.1 CONNACK 0x03: the server cannot serve the connection now.
    public static let v3ServerUnavailable: UInt8 = 0x03
    /// 3.1.1 CONNACK 0x05: the credentials were refused.
    public static let v3NotAuthorized: UInt8 = 0x05
    /// 3.1.1 SUBACK 0x80: the subscription was refused.
    public static let v3SubscribeFailure: UInt8 = 0x80
    /// 0x11 (UNSUBACK): there was no such subscription.
    public static let noSubscriptionExisted: UInt8 = 0x11
    /// 0x80: the server does not want to say more.
    public static let unspecifiedError: UInt8 = 0x80
    /// 0x81: the bytes are not a valid MQTT packet.
    public static let malformedPacket: UInt8 = 0x81
    /// 0x82: a valid packet that is not allowed here (a second CONNECT, QoS 2 flow packets, AUTH).
    public static let protocolError: UInt8 = 0x82
    /// 0x83: the server could not process a valid packet (storage unavailable, an unexpected failure).
    public static let implementationSpecificError: UInt8 = 0x83
    /// 0x84 (CONNACK): the protocol level is not supported.
    public static let unsupportedProtocolVersion: UInt8 = 0x84
    /// 0x85 (CONNACK): the client identifier is not allowed.
    public static let clientIdentifierNotValid: UInt8 = 0x85
    /// 0x86 (CONNACK): the user name or password is wrong.
    public static let badUsernameOrPassword: UInt8 = 0x86
    /// 0x87: the client is not authorized.
    public static let notAuthorized: UInt8 = 0x87
    /// 0x88 (CONNACK): the server cannot serve the connection now.
    public static let serverUnavailable: UInt8 = 0x88
    /// 0x8D (DISCONNECT): nothing arrived within 1.5 keep-alive periods.
    public static let keepAliveTimeout: UInt8 = 0x8D
    /// 0x8F (SUBACK): the topic filter is not one the server serves.
    public static let topicFilterInvalid: UInt8 = 0x8F
    /// 0x90: the topic name is not one the server serves.
    public static let topicNameInvalid: UInt8 = 0x90
    /// 0x95 (DISCONNECT): a packet was larger than the maximum packet size.
    public static let packetTooLarge: UInt8 = 0x95
    /// 0x97: a limit was exceeded (the pre-connect queue, the storage quota).
    public static let quotaExceeded: UInt8 = 0x97
    /// 0x98 (DISCONNECT): the session was ended by an administrator (device deleted, credentials changed).
    public static let administrativeAction: UInt8 = 0x98
    /// 0x99: the payload is not in the format the topic requires.
    public static let payloadFormatInvalid: UInt8 = 0x99
    /// 0x9B (DISCONNECT): the client used a QoS greater than the server's maximum.
    public static let qosNotSupported: UInt8 = 0x9B
    /// 0xA0 (DISCONNECT): the session lived as long as the server allows.
    public static let maximumConnectTime: UInt8 = 0xA0
}
