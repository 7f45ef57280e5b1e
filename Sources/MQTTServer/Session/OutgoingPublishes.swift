/// The QoS 1 PUBLISHes the server sent and the client has not acknowledged yet.
///
/// Packet ids cycle through 1…65535, skipping ids still in flight; a delivery callback (a server-side RPC waiting to
/// be marked delivered) runs when the PUBACK arrives.
struct OutgoingPublishes {
    private var lastID: UInt16 = 0
    private var inFlight: [UInt16: @Sendable () -> Void] = [:]

    /// The next free packet id; `onDelivery` runs when the client acknowledges it.
    mutating func nextPacketID(onDelivery: (@Sendable () -> Void)?) -> UInt16 {
        repeat {
            lastID = lastID == UInt16.max ? 1 : lastID + 1
        } while inFlight[lastID] != nil
        if let onDelivery { inFlight[lastID] = onDelivery }
        return lastID
    }

    /// The client acknowledged `packetID`: its delivery callback, if it had one.
    mutating func acknowledged(_ packetID: UInt16) -> (@Sendable () -> Void)? {
        inFlight.removeValue(forKey: packetID)
    }

    /// The session ended: callbacks will never run.
    mutating func removeAll() {
        inFlight = [:]
    }
}
