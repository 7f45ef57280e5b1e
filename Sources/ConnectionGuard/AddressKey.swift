import NIOCore

/// The key connections from one client are counted under, shared by the MQTT and the HTTP listener so both group
/// clients the same way.
public enum AddressKey {
    /// The IPv4 address, or the /64 prefix of an IPv6 address (one subscriber usually holds a whole /64, so counting
    /// single IPv6 addresses would let one client open as many connections as it has addresses). IPv4-mapped IPv6
    /// addresses count as their IPv4 address; a socket without an IP address (or none at all) counts as "unknown".
    public static func of(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v6(let v6):
            // sockaddr_in6 keeps the 16 address bytes at offset 8 on Linux and the BSDs alike (RFC 3493).
            let bytes = withUnsafeBytes(of: v6.address) { Array($0[8..<24]) }
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            if mapped { return bytes[12..<16].map { String($0) }.joined(separator: ".") }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        default:
            return address.ipAddress ?? "unknown"
        }
    }
}
