import Hummingbird
import NIOCore
import StewardAuth

/// The request context of every Steward route: Hummingbird's basics plus the peer address, which sign-in
/// records, risk rules and the audit trail need, and the REST caller that `APIAuthenticator` resolved.
public struct StewardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (no proxy headers are trusted).
    public let remoteAddress: SocketAddress?
    /// The connection, so a long wait (server-side RPC) can notice that its caller went away.
    public let channel: any Channel
    /// The REST caller, resolved once per request by `APIAuthenticator` from the credential header, so handlers and
    /// the usage log (`APICallAudit`) read the same principal; nil without a credential or with a refused one.
    public var identity: Principal?
    /// Why the credential sent was refused (an expired token, an unknown key, a read-only key on a write), kept so
    /// `requireIdentity()` answers with that message where the handler asks, not earlier.
    public var authenticationFailure: (any Error)?
    /// The reference of this request's diagnostic record (`d-…`), set by `DiagnosticsMiddleware` before the route runs,
    /// so an error page can show it for the person to quote (promise MS-5); nil on the device API and in tests.
    public var diagnosticReference: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The peer's IP address as text, or "unknown".
    public var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}
