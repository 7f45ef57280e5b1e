/// The answer to a new connection, as the books give it.
public enum ConnectionAdmission<Refusal: Hashable & Sendable>: Sendable, Equatable {
    /// Serve it under `id`; close the connection `evicting` first when set (it was idle and made room).
    case admitted(id: UInt64, evicting: UInt64?)
    case refused(Refusal)
}

/// A listener's connection policy as a plain value (no sockets, no locks), so every rule can be tested on its own;
/// `ConnectionGate` applies it to channels. Only the policy differs between listeners: who is refused, and which
/// connection is closed to make room.
public protocol ConnectionBooks: Sendable {
    /// Why a connection is refused; refusals are counted per reason for the warning.
    associatedtype Refusal: Hashable & Sendable
    /// The kinds of connection the books close to make room, counted separately in the warning.
    associatedtype EvictionKind: Hashable & Sendable

    /// Decides about a new connection from `address` (an `AddressKey`), before anything is read from it.
    mutating func admit(address: String) -> ConnectionAdmission<Refusal>
    /// The connection closed (or was evicted). Releasing an unknown id, or one twice, must be harmless.
    mutating func release(_ id: UInt64)
    /// Connections closed to make room so far, per kind; these only grow.
    var evictions: [EvictionKind: Int] { get }
    /// The warning line for `refusals` and `evictions` since the last warning (at least one of them is not empty).
    func warning(refusals: [Refusal: Int], evictions: [EvictionKind: Int]) -> String
}
