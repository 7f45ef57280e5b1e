import ConnectionGuard
import MQTTServer
import NIOCore
import Testing

@Suite struct ConnectionLimitsTests {
    static func limits(total: Int = 100, unauthenticated: Int = 5, perAddress: Int = 3) -> ConnectionLimits {
        ConnectionLimits(policy: .init(
            maximumConnections: total, maximumUnauthenticated: unauthenticated, maximumUnauthenticatedPerAddress: perAddress))
    }

    static func admittedID(_ admission: ConnectionLimits.Admission, sourceLocation: SourceLocation = #_sourceLocation) -> UInt64? {
        guard case .admitted(let id, _) = admission else {
            Issue.record("expected admission, got \(admission)", sourceLocation: sourceLocation)
            return nil
        }
        return id
    }

    @Test func perAddressLimitRefusesOnlyThatAddress() {
        var books = Self.limits(perAddress: 2)
        _ = books.admit(address: "10.0.0.1")
        _ = books.admit(address: "10.0.0.1")
        #expect(books.admit(address: "10.0.0.1") == .refused(.tooManyFromAddress))
        #expect(Self.admittedID(books.admit(address: "10.0.0.2")) != nil)
        #expect(books.unauthenticated(from: "10.0.0.1") == 2)
        #expect(books.total == 3)
    }

    @Test func authenticatingFreesTheAddressShareButKeepsTheConnectionCounted() throws {
        var books = Self.limits(perAddress: 1)
        let id = try #require(Self.admittedID(books.admit(address: "10.0.0.1")))
        #expect(books.admit(address: "10.0.0.1") == .refused(.tooManyFromAddress))
        books.connectReceived(id)
        books.authenticated(id)
        #expect(books.unauthenticated == 0)
        #expect(books.total == 1)
        #expect(Self.admittedID(books.admit(address: "10.0.0.1")) != nil)
    }

    @Test func fullUnauthenticatedShareEvictsTheOldestConnectionStillAwaitingConnect() throws {
        var books = Self.limits(unauthenticated: 3, perAddress: 10)
        let first = try #require(Self.admittedID(books.admit(address: "a")))
        let second = try #require(Self.admittedID(books.admit(address: "b")))
        let third = try #require(Self.admittedID(books.admit(address: "c")))
        // The first one sent CONNECT (it is authenticating, not idle): the oldest idle one is the second.
        books.connectReceived(first)
        guard case .admitted(let fourth, let evicted) = books.admit(address: "d") else {
            Issue.record("a device must get in while idle sockets hold the unauthenticated share")
            return
        }
        #expect(evicted == second)
        #expect(books.unauthenticated == 3)
        #expect(books.total == 3)
        // Releasing the evicted id when its channel closes changes nothing.
        books.release(second)
        #expect(books.unauthenticated == 3)
        #expect(books.total == 3)
        #expect(fourth != third)
    }

    @Test func refusesWhenEveryUnauthenticatedConnectionIsAuthenticating() throws {
        var books = Self.limits(unauthenticated: 2, perAddress: 10)
        for address in ["a", "b"] {
            let id = try #require(Self.admittedID(books.admit(address: address)))
            books.connectReceived(id)  // authenticating: not idle, never evicted
        }
        #expect(books.admit(address: "c") == .refused(.tooManyUnauthenticated))
    }

    @Test func shareFullOfProvisioningSessionsEvictsTheOldestOneSoADeviceGetsIn() throws {
        // 40 addresses x 256 `provision` sessions used to hold the whole share: none of them was ever closed.
        var books = Self.limits(unauthenticated: 3, perAddress: 10)
        var sessions: [UInt64] = []
        for address in ["a", "b", "c"] {
            let id = try #require(Self.admittedID(books.admit(address: address)))
            books.connectReceived(id)
            books.provisioningStarted(id)
            sessions.append(id)
        }
        guard case .admitted(let device, let evicted) = books.admit(address: "device") else {
            Issue.record("a device was refused while provisioning sessions held the unauthenticated share")
            return
        }
        #expect(evicted == sessions[0], "the oldest provisioning session should make room")
        #expect(books.unauthenticated == 3)
        #expect(books.total == 3)
        #expect(books.evictedProvisioning == 1)
        books.release(sessions[0])  // its channel closes later: changes nothing
        books.connectReceived(device)
        books.authenticated(device)
        #expect(books.unauthenticated == 2)
        // The next newcomer takes the next oldest.
        #expect(books.admit(address: "next") == .admitted(id: device + 1, evicting: nil))
        guard case .admitted(_, let second) = books.admit(address: "another") else {
            Issue.record("expected admission by eviction")
            return
        }
        // "next" still awaits CONNECT, so it goes before any provisioning session.
        #expect(second == device + 1)
    }

    @Test func idleSocketsAreEvictedBeforeProvisioningSessions() throws {
        var books = Self.limits(unauthenticated: 3, perAddress: 10)
        let provisioning = try #require(Self.admittedID(books.admit(address: "p")))
        books.connectReceived(provisioning)
        books.provisioningStarted(provisioning)
        let idle = try #require(Self.admittedID(books.admit(address: "i")))
        let authenticating = try #require(Self.admittedID(books.admit(address: "t")))
        books.connectReceived(authenticating)
        #expect(books.admit(address: "d1") == .admitted(id: authenticating + 1, evicting: idle))
        books.connectReceived(authenticating + 1)
        #expect(books.admit(address: "d2") == .admitted(id: authenticating + 2, evicting: provisioning))
        books.connectReceived(authenticating + 2)
        // Only authenticating connections are left: nothing may be closed for a newcomer.
        #expect(books.admit(address: "d3") == .refused(.tooManyUnauthenticated))
        #expect(books.evictedIdle == 1)
        #expect(books.evictedProvisioning == 1)
    }

    @Test func fullTotalEvictsAProvisioningSessionRatherThanRefuseADevice() throws {
        var books = Self.limits(total: 10, unauthenticated: 9, perAddress: 10)
        for index in 0..<9 {
            let id = try #require(Self.admittedID(books.admit(address: "d\(index)")))
            books.authenticated(id)
        }
        let session = try #require(Self.admittedID(books.admit(address: "provisioner")))
        books.provisioningStarted(session)
        #expect(books.admit(address: "device") == .admitted(id: session + 1, evicting: session))
        #expect(books.total == 10)
    }

    @Test func manyShortProvisioningSessionsKeepTheBooksExact() throws {
        var books = Self.limits(total: 1_000, unauthenticated: 500, perAddress: 1_000)
        let held = try #require(Self.admittedID(books.admit(address: "held")))
        books.connectReceived(held)
        books.provisioningStarted(held)
        for _ in 0..<10_000 {
            let id = try #require(Self.admittedID(books.admit(address: "provisioner")))
            books.connectReceived(id)
            books.provisioningStarted(id)
            books.release(id)
        }
        #expect(books.total == 1)
        #expect(books.unauthenticated == 1)
        for index in 0..<499 {
            let id = try #require(Self.admittedID(books.admit(address: "filler\(index)")))
            books.connectReceived(id)
        }
        guard case .admitted(_, let evicted) = books.admit(address: "device") else {
            Issue.record("expected admission by evicting the provisioning session")
            return
        }
        #expect(evicted == held)
    }

    @Test func unauthenticatedConnectionsNeverTakeTheReserve() {
        // 20 connections, a reserve of 2: at most 18 unauthenticated, whatever the configured share.
        var books = Self.limits(total: 20, unauthenticated: 1_000, perAddress: 1_000)
        #expect(books.policy.reserve == 2)
        #expect(books.policy.unauthenticatedCeiling == 18)
        var ids: [UInt64] = []
        for index in 0..<18 {
            guard case .admitted(let id, nil) = books.admit(address: "a\(index)") else {
                Issue.record("connection \(index) should be admitted without eviction")
                return
            }
            ids.append(id)
            books.connectReceived(id)
        }
        #expect(books.admit(address: "late") == .refused(.tooManyUnauthenticated))
        // Devices that authenticate move out of the share: the total may then reach 20, never more.
        for id in ids { books.authenticated(id) }
        for index in 0..<2 {
            let id = Self.admittedID(books.admit(address: "device\(index)"))
            if let id { books.authenticated(id) }
        }
        #expect(books.total == 20)
        #expect(books.admit(address: "one-too-many") == .refused(.tooManyConnections))
    }

    @Test func fullTotalEvictsAnIdleConnectionRatherThanRefuseADevice() throws {
        var books = Self.limits(total: 10, unauthenticated: 9, perAddress: 10)
        for index in 0..<9 {
            let id = try #require(Self.admittedID(books.admit(address: "d\(index)")))
            books.authenticated(id)
        }
        let idle = try #require(Self.admittedID(books.admit(address: "idle")))
        #expect(books.total == 10)
        #expect(books.admit(address: "device") == .admitted(id: idle + 1, evicting: idle))
        #expect(books.total == 10)
    }

    @Test func releaseReturnsEveryCountAndIsIdempotent() throws {
        var books = Self.limits(perAddress: 5)
        let awaiting = try #require(Self.admittedID(books.admit(address: "a")))
        let connecting = try #require(Self.admittedID(books.admit(address: "a")))
        let device = try #require(Self.admittedID(books.admit(address: "a")))
        books.connectReceived(connecting)
        books.connectReceived(device)
        books.authenticated(device)
        for id in [awaiting, connecting, device, device] { books.release(id) }
        #expect(books.total == 0)
        #expect(books.unauthenticated == 0)
        #expect(books.unauthenticated(from: "a") == 0)
    }

    @Test func manyShortConnectionsBehindOneIdleSocketKeepTheBooksExact() throws {
        var books = Self.limits(total: 1_000, unauthenticated: 500, perAddress: 1_000)
        let idle = try #require(Self.admittedID(books.admit(address: "idle")))
        for _ in 0..<10_000 {
            let id = try #require(Self.admittedID(books.admit(address: "device")))
            books.connectReceived(id)
            books.authenticated(id)
            books.release(id)
        }
        #expect(books.total == 1)
        #expect(books.unauthenticated == 1)
        // The idle one is still the one evicted first.
        for index in 0..<499 { _ = books.admit(address: "filler\(index)") }
        guard case .admitted(_, let evicted) = books.admit(address: "device") else {
            Issue.record("expected admission by eviction")
            return
        }
        #expect(evicted == idle)
    }

    @Test func addressKeysGroupIPv6By64AndUnmapIPv4() throws {
        #expect(ConnectionLimits.addressKey(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(ConnectionLimits.addressKey(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)) == "192.0.2.7")
        let a = ConnectionLimits.addressKey(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let b = ConnectionLimits.addressKey(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 1))
        let c = ConnectionLimits.addressKey(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(a == b)
        #expect(a != c)
        #expect(ConnectionLimits.addressKey(nil) == "unknown")
    }
}
