/// What to answer for one inbound PUBLISH once the work it started has finished.
///
/// Cheap to store in the acknowledgement ring: the hot path (telemetry committed) is `.ack(0x00, followUp: nil)`,
/// with no heap payload.
enum AckOutcome: Sendable, Equatable {
    /// The work is still running; nothing behind this slot may be answered yet.
    case pending
    /// PUBACK with this reason (a plain PUBACK on 3.1.1), then the response PUBLISH if there is one.
    case ack(UInt8, followUp: ResponsePublish?)
    /// PUBACK with this failure reason and a reason string saying why (MQTT 5 QoS 1 only).
    case refuse(UInt8, reason: String)
    /// End the session: a DISCONNECT with this reason on MQTT 5, a plain close on 3.1.1.
    case disconnect(UInt8)
}

/// A PUBLISH the server sends in answer to a request (an attribute or RPC response, a provisioning result).
struct ResponsePublish: Sendable, Equatable {
    var topic: String
    var payload: String
}
