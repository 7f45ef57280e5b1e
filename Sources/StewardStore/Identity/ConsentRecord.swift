import StewardCore

/// One entry of the append-only consent ledger: who decided what about which purpose, under which policy version
/// and notice, how, when and from where. The current state of a purpose is the newest entry for it.
public struct ConsentRecord: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case given
        case refused
        case withdrawn
        case expired
    }

    /// How the choice was made.
    public enum Method: String, Sendable {
        case form
        case banner
        case api
        /// A Global Privacy Control signal (`Sec-GPC: 1`) switched the purpose off.
        case gpc
        /// A Do Not Track signal (`DNT: 1`) switched the purpose off.
        case dnt
        case parent
        /// An explicit opt-in confirmed over an active GPC or DNT signal.
        case formOverSignal = "form-over-signal"
        /// The unsubscribe link or one-click `List-Unsubscribe` of a mail.
        case unsubscribe = "mail-unsubscribe"
        /// A material policy change expired the consent; it is asked again.
        case policyChange = "policy-change"
        /// Answered on the notice shown at sign-in after a policy change.
        case policyNotice = "policy-notice"
    }

    /// `user:<id>` for an account.
    public var subject: String
    public var purpose: String
    public var state: State
    public var policyVersion: String
    /// SHA-256 of the notice text shown when the choice was made.
    public var noticeHash: String
    public var method: Method
    public var time: Int64
    public var client: String
    /// The address with its host part removed (IPv4 /24, IPv6 /48): enough to tell networks apart, not people.
    public var networkPrefix: String

    public init(
        subject: String, purpose: String, state: State, policyVersion: String, noticeHash: String, method: Method, time: Int64,
        client: String, networkPrefix: String
    ) {
        self.subject = subject
        self.purpose = purpose
        self.state = state
        self.policyVersion = policyVersion
        self.noticeHash = noticeHash
        self.method = method
        self.time = time
        self.client = client
        self.networkPrefix = networkPrefix
    }

    public static func subject(_ user: UserID) -> String { "user:\(user)" }
}
