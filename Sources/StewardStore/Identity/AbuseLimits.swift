/// A request that makes Steward mail an address on an anonymous visitor's behalf: a password-reset link, "someone
/// tried to sign up with your address", a new account's "confirm your email", a parent's consent request. Nobody
/// proves they own the address before asking, so these requests are counted per address and per client, and one
/// beyond either limit is dropped without a trace in the answer (the form says the same thing; the mail is simply not
/// sent, and what the mail would have come with, such as a new account, is not made either). Requests are counted whether or not an account has the
/// address, so the limit itself tells nothing about who is registered.
public struct MailAllowance: Sendable, Equatable {
    /// What the mail is (`password-reset`, `sign-up-existing`, `sign-up-confirm`, `parent-consent`), recorded with the
    /// request.
    public var kind: String
    /// The address the mail would go to; only its keyed hash is stored.
    public var recipient: String
    /// The client the request came from (an IPv4 address, or an IPv6 /64 network).
    public var client: String
    public var time: Int64
    /// How far back requests count, in milliseconds.
    public var window: Int64
    /// Granted requests for one address in `window` after which further ones are dropped; nil: this mail is limited
    /// per client only and does not count for its address (a new account's confirmation, so nobody can keep the owner
    /// of an address from signing up by asking for mail to it first).
    public var perRecipient: Int?
    /// Granted requests from one client in `window` after which further ones are dropped.
    public var perClient: Int

    public init(kind: String, recipient: String, client: String, time: Int64, window: Int64, perRecipient: Int?, perClient: Int) {
        self.kind = kind
        self.recipient = recipient
        self.client = client
        self.time = time
        self.window = window
        self.perRecipient = perRecipient
        self.perClient = perClient
    }
}

/// An anonymous request that costs the server real work (a sign-up hashes a password and may create a tenant), counted
/// per client before the work is done. Unlike a mail allowance, a refusal is said plainly: the limit is the client's
/// own and tells nothing about any address.
public struct AttemptLimit: Sendable, Equatable {
    /// What is counted (`sign-up`); each kind has its own count.
    public var kind: String
    /// The client the request came from (an IPv4 address, or an IPv6 /64 network).
    public var client: String
    public var time: Int64
    /// How far back attempts count, in milliseconds.
    public var window: Int64
    /// Attempts from one client in `window` after which further ones are refused.
    public var perClient: Int

    public init(kind: String, client: String, time: Int64, window: Int64, perClient: Int) {
        self.kind = kind
        self.client = client
        self.time = time
        self.window = window
        self.perClient = perClient
    }
}
