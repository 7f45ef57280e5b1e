import NIOCore

/// The acknowledgements a session owes, in the order the PUBLISHes arrived.
///
/// Work for a PUBLISH finishes in any order (a telemetry commit, an attribute read, a provisioning call), but MQTT
/// requires PUBACKs in PUBLISH order, and Steward sends one only once the work is durable. So each PUBLISH
/// reserves a slot at the back of a ring; completions fill slots by sequence number; only the finished slots at
/// the front may leave. A ring rather than a dictionary: appending and popping cost no allocation once the ring has
/// grown to the connection's working size.
struct OrderedAcks {
    struct Slot: Equatable {
        /// nil for QoS 0: the slot only keeps the order (its failure may still end the session).
        var packetID: UInt16?
        var outcome: AckOutcome
    }

    private var slots = CircularBuffer<Slot>(initialCapacity: 16)
    /// Sequence number of `slots.first`.
    private var base = 0

    /// Acknowledgements reserved and not yet sent.
    var count: Int { slots.count }

    /// Reserves the next slot; returns its sequence number, which `complete` takes.
    mutating func append(packetID: UInt16?) -> Int {
        slots.append(Slot(packetID: packetID, outcome: .pending))
        return base + slots.count - 1
    }

    /// Fills slot `sequence`. Returns false when there is no such slot (already sent, or dropped with the session).
    @discardableResult
    mutating func complete(_ sequence: Int, with outcome: AckOutcome) -> Bool {
        let offset = sequence - base
        guard offset >= 0, offset < slots.count else { return false }
        slots[slots.index(slots.startIndex, offsetBy: offset)].outcome = outcome
        return true
    }

    /// Removes and returns the front slot if its work has finished.
    mutating func popFinished() -> Slot? {
        guard let first = slots.first else { return nil }
        if case .pending = first.outcome { return nil }
        slots.removeFirst()
        base += 1
        return first
    }

    /// Forgets every slot (the session is ending); later completions find nothing.
    mutating func removeAll() {
        base += slots.count
        slots.removeAll(keepingCapacity: false)
    }
}
