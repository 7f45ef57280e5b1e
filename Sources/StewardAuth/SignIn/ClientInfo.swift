import Foundation
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
    public var network: String {
        let address = ip.lowercased()
        // An IPv4 client on a dual-stack listener: ::ffff:a.b.c.d is that IPv4 address.
        if address.hasPrefix("::ffff:"), address.contains(".") {
            return Self.ipv4Network(String(address.dropFirst("::ffff:".count)))
        }
        guard address.contains(":") else { return Self.ipv4Network(address) }
        return Self.ipv6Groups(address).prefix(3).map { String($0, radix: 16) }.joined(separator: ":") + "::/48"
    }

    /// Who counts as one client for rate limits: an IPv4 address, or an IPv6 /64 (the block one household or
    /// host is given, so a client cannot dodge a limit by changing the low bits).
    public var rateLimitKey: String {
        let address = ip.lowercased()
        if address.hasPrefix("::ffff:"), address.contains(".") { return String(address.dropFirst("::ffff:".count)) }
        guard address.contains(":") else { return address }
        return Self.ipv6Groups(address).prefix(4).map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }

    static func ipv4Network(_ address: String) -> String {
        address.split(separator: ".").prefix(3).joined(separator: ".") + ".0/24"
    }

    /// The eight 16-bit groups of an IPv6 address, with `::` expanded.
    static func ipv6Groups(_ address: String) -> [UInt16] {
        let halves = address.components(separatedBy: "::")
        let head = halves[0].split(separator: ":").compactMap { UInt16($0, radix: 16) }
        let tail = halves.count > 1 ? halves[1].split(separator: ":").compactMap { UInt16($0, radix: 16) } : []
        let zeros = max(0, 8 - head.count - tail.count)
        return head + Array(repeating: 0, count: halves.count > 1 ? zeros : 0) + tail
    }
}
