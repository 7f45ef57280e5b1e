import Foundation
import StewardCore
/// Where a request came from, as recorded with sign-ins, sessions and audit entries.
public struct ClientInfo: Sendable, Equatable {
    public var ip: String
    /// The User-Agent, shortened; what the person sees as "client" in their sign-in list.
    public var client: String

    public init(ip: String, client: String) {
        self.ip = ip
        self.client = String(client.prefix(200))
    }

    /// The network part of the address (IPv4 /24, IPv6 /48): a new sign-in from the same network and client is
    /// not news, one from elsewhere is.
    public var network: String { AddressNetwork.of(ip) }

    /// Who counts as one client for rate limits: an IPv4 address, or an IPv6 /64.
    public var rateLimitKey: String { AddressNetwork.rateLimitKey(ip) }
}
