import Foundation

/// Networks of IP addresses, the form an address keeps once its retention period ends (promise MB-14): enough to
/// tell a network apart, not a household.
public enum AddressNetwork {
    /// The network part of the address (IPv4 /24, IPv6 /48). Idempotent: a network stays itself, so a value cut once
    /// is never cut again, and the audit chain can hash the network of an address before and after it is cut.
    public static func of(_ ip: String) -> String {
        if ip.contains("/") { return ip }
        let address = ip.lowercased()
        // An IPv4 client on a dual-stack listener: ::ffff:a.b.c.d is that IPv4 address.
        if address.hasPrefix("::ffff:"), address.contains(".") {
            return ipv4Network(String(address.dropFirst("::ffff:".count)))
        }
        guard address.contains(":") else { return ipv4Network(address) }
        return ipv6Groups(address).prefix(3).map { String($0, radix: 16) }.joined(separator: ":") + "::/48"
    }

    /// Who counts as one client for rate limits: an IPv4 address, or an IPv6 /64 (the block one household or host is
    /// given, so a client cannot dodge a limit by changing the low bits).
    public static func rateLimitKey(_ ip: String) -> String {
        let address = ip.lowercased()
        if address.hasPrefix("::ffff:"), address.contains(".") { return String(address.dropFirst("::ffff:".count)) }
        guard address.contains(":") else { return address }
        return ipv6Groups(address).prefix(4).map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
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
