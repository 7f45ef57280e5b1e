import Hummingbird
import NIOCore

/// The request context of every Steward route: Hummingbird's basics plus the peer address, which sign-in
/// records, risk rules and the audit trail need.
public struct StewardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (no proxy headers are trusted).
    public let remoteAddress: SocketAddress?
    /// The connection, so a long wait (server-side RPC) can notice that its caller went away.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The peer's IP address as text, or "unknown".
    public var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}
