import ConnectionGuard
import NIOCore
import Testing

@Suite struct AddressKeyTests {
    @Test func ipv4IsItselfAndMappedIPv6CountsAsIPv4() throws {
        #expect(AddressKey.of(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(AddressKey.of(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)) == "192.0.2.7")
    }

    @Test func ipv6IsGroupedBy64() throws {
        let a = AddressKey.of(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let b = AddressKey.of(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 1))
        let c = AddressKey.of(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(a == "2001:db8:1:2::/64")
        #expect(a == b)
        #expect(a != c)
    }

    @Test func noAddressIsUnknown() throws {
        #expect(AddressKey.of(nil) == "unknown")
        #expect(AddressKey.of(try SocketAddress(unixDomainSocketPath: "/tmp/x.sock")) == "unknown")
    }
}
