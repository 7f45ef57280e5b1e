import StewardStore

/// The knobs of account handling, with defaults a careful operator would choose.
public struct IdentityConfiguration: Sendable {
    /// The address people reach the console at, used in mailed links (no trailing slash).
    public var publicURL: String
    public var productName: String = "Steward"
    /// The privacy policy version a person agrees to at sign-up.
    public var policyVersion: String = "2026-11-01"
    public var confirmationLinkLifetime: Int64 = 24 * 3_600_000
    public var resetLinkLifetime: Int64 = 3_600_000
    public var parentLinkLifetime: Int64 = 7 * 24 * 3_600_000
    /// An invitation waits this long for the invited person, who may be away for a few days.
    public var invitationLinkLifetime: Int64 = 7 * 24 * 3_600_000
    public var signInCodeLifetime: Int64 = 10 * 60_000
    /// A browser session lasts this long without a new sign-in.
    public var webSessionLifetime: Int64 = 7 * 24 * 3_600_000
    /// A session half-way through sign-in (password checked, second factor pending).
    public var factorStageLifetime: Int64 = 10 * 60_000
    /// Failures in `failureWindow` before each further attempt is slowed down.
    public var slowDownAfterFailures = 3
    /// Failures of one account in `failureWindow` that lock it for `lockDuration`.
    public var lockAfterFailures = 5
    /// Failures from one IP address in `failureWindow` after which that address is refused.
    public var blockAddressAfterFailures = 20
    public var failureWindow: Int64 = 15 * 60_000
    public var lockDuration: Int64 = 15 * 60_000
    /// Mails asked for from the public forms (reset links, "someone tried to sign up with your address", a new
    /// account's "confirm your email", a parent's consent request): at most this many per address in
    /// `accountMailWindow`, whoever asks (`STEWARD_ACCOUNT_MAIL_PER_ADDRESS`).
    public var accountMailPerAddress = 3
    /// … and at most this many asked for from one client (an IPv4 address or an IPv6 /64) in the window
    /// (`STEWARD_ACCOUNT_MAIL_PER_CLIENT`). Beyond either, the form answers the same and no mail goes out (nor is a
    /// new account made without its confirmation mail).
    public var accountMailPerClient = 20
    public var accountMailWindow: Int64 = 3_600_000
    /// Valid sign-up forms one client (an IPv4 address or an IPv6 /64) may send in `signUpWindow`
    /// (`STEWARD_SIGN_UPS_PER_CLIENT`); beyond, the form answers 429 before any password is hashed.
    public var signUpsPerClient = 20
    public var signUpWindow: Int64 = 3_600_000
    /// Administrators must set up a second factor before they can use the console.
    public var requireAdminSecondFactor = false
    /// Whether anyone may create an account and a tenant of their own from the sign-up page.
    public var openSignUp = true

    public init(publicURL: String) {
        self.publicURL = publicURL
    }

    /// The allowance a mail of `kind` to `recipient` asked for by `client` at `time` is counted against (`perAddress`
    /// false: the client's only, see `MailAllowance.perRecipient`).
    func mailAllowance(
        _ kind: String, to recipient: String, from client: ClientInfo, at time: Int64, perAddress: Bool = true
    ) -> MailAllowance {
        MailAllowance(
            kind: kind, recipient: recipient, client: client.rateLimitKey, time: time, window: accountMailWindow,
            perRecipient: perAddress ? accountMailPerAddress : nil, perClient: accountMailPerClient)
    }
}
