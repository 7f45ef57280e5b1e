import ConnectionGuard
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// Books for the gate's own tests: `capacity` connections, the oldest always closed to make room unless `evict` is
/// off, one per address when `onePerAddress`.
struct FIFOBooks: ConnectionBooks {
    enum Refusal: Hashable, Sendable { case full, sameAddress }
    enum Eviction: Hashable, Sendable { case oldest }

    var capacity: Int
    var evict = true
    var onePerAddress = false
    var open: [(id: UInt64, address: String)] = []
    var evicted = 0
    var nextID: UInt64 = 1

    mutating func admit(address: String) -> ConnectionAdmission<Refusal> {
        if onePerAddress, open.contains(where: { $0.address == address }) { return .refused(.sameAddress) }
        var evicting: UInt64?
        if open.count >= capacity {
            guard evict, let oldest = open.first else { return .refused(.full) }
            release(oldest.id)
            evicted += 1
            evicting = oldest.id
        }
        defer { nextID += 1 }
        open.append((nextID, address))
        return .admitted(id: nextID, evicting: evicting)
    }

    mutating func release(_ id: UInt64) { open.removeAll { $0.id == id } }

    var evictions: [Eviction: Int] { [.oldest: evicted] }

    func warning(refusals: [Refusal: Int], evictions: [Eviction: Int]) -> String {
        "full \(refusals[.full] ?? 0), same address \(refusals[.sameAddress] ?? 0), evicted \(evictions[.oldest] ?? 0)"
    }
}

/// Keeps the warnings a logger writes.
struct CapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    let captured: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        captured.lines.withLock { $0.append("\(event.level): \(event.message)") }
    }
}

@Suite struct ConnectionGateTests {
    static func gate(
        _ books: FIFOBooks, interval: Duration = .seconds(10)
    ) -> (ConnectionGate<FIFOBooks>, CapturingLogHandler.Lines) {
        let lines = CapturingLogHandler.Lines()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(captured: lines) }
        return (ConnectionGate(books: books, logger: logger, warningInterval: interval), lines)
    }

    static func channel(_ ip: String = "192.0.2.1") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: ip, port: 1883)
        return channel
    }

    /// Whether `channel` has closed, asked later.
    static func closedFlag(_ channel: EmbeddedChannel) -> @Sendable () -> Bool {
        let box = Box()
        channel.closeFuture.whenComplete { _ in box.closed.withLock { $0 = true } }
        return { box.closed.withLock { $0 } }
    }

    final class Box: Sendable {
        let closed = Mutex(false)
    }

    @Test func evictingClosesTheEvictedChannelAndReleasingFollowsClose() throws {
        let (gate, _) = Self.gate(FIFOBooks(capacity: 2))
        let first = try Self.channel(), second = try Self.channel(), third = try Self.channel()
        let firstID = try #require(gate.admit(first))
        let secondID = try #require(gate.admit(second))
        #expect(firstID != secondID)
        let firstClosed = Self.closedFlag(first), secondClosed = Self.closedFlag(second)
        let thirdID = try #require(gate.admit(third))
        // An embedded channel completes its close future on its loop's next run.
        first.embeddedEventLoop.run()
        #expect(firstClosed(), "the oldest channel should be closed to make room")
        #expect(!secondClosed())
        #expect(gate.withBooks { $0.open.map(\.id) } == [secondID, thirdID])

        // Closing a channel releases its id, however it closes.
        _ = try? second.close().wait()
        second.embeddedEventLoop.run()
        #expect(gate.withBooks { $0.open.map(\.id) } == [thirdID])
        _ = try? third.finish()
    }

    @Test func refusalReturnsNilAndLeavesTheChannelToTheCaller() throws {
        let (gate, _) = Self.gate(FIFOBooks(capacity: 1, evict: false))
        let admitted = try Self.channel(), refused = try Self.channel()
        #expect(gate.admit(admitted) != nil)
        let refusedClosed = Self.closedFlag(refused)
        #expect(gate.admit(refused) == nil)
        #expect(!refusedClosed(), "how a refused connection is turned away is the listener's choice")
        // The refused channel was never counted, so closing it changes nothing.
        _ = try? refused.close().wait()
        refused.embeddedEventLoop.run()
        #expect(gate.withBooks { $0.open.count } == 1)
    }

    @Test func booksSeeTheAddressKey() throws {
        let (gate, _) = Self.gate(FIFOBooks(capacity: 10, onePerAddress: true))
        #expect(gate.admit(try Self.channel("2001:db8:1:2::1")) != nil)
        #expect(gate.admit(try Self.channel("2001:db8:1:2::99")) == nil, "the same /64 is the same address")
        #expect(gate.admit(try Self.channel("2001:db8:1:3::1")) != nil)
        #expect(gate.withBooks { $0.open.map(\.address) } == ["2001:db8:1:2::/64", "2001:db8:1:3::/64"])
    }

    @Test func warningsAreRateLimitedAndCountEverythingSinceTheLastOne() throws {
        let (gate, lines) = Self.gate(FIFOBooks(capacity: 1, evict: false), interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(gate.admit(try Self.channel(), now: start) != nil)
        #expect(lines.all.isEmpty, "nothing to report yet")
        #expect(gate.admit(try Self.channel(), now: start) == nil)
        #expect(lines.all == ["warning: full 1, same address 0, evicted 0"])
        // Within the interval: counted, not logged.
        #expect(gate.admit(try Self.channel(), now: start + .seconds(1)) == nil)
        #expect(gate.admit(try Self.channel(), now: start + .seconds(2)) == nil)
        #expect(lines.all.count == 1)
        // After it: the counts since the last warning, then they start again.
        #expect(gate.admit(try Self.channel(), now: start + .seconds(11)) == nil)
        #expect(lines.all.last == "warning: full 3, same address 0, evicted 0")
    }

    @Test func evictionsAreReportedAsTheIncreaseSinceTheLastWarning() throws {
        let (gate, lines) = Self.gate(FIFOBooks(capacity: 1), interval: .seconds(10))
        let start = ContinuousClock.now
        for offset in 0..<3 { _ = gate.admit(try Self.channel(), now: start + .seconds(offset)) }
        #expect(lines.all == ["warning: full 0, same address 0, evicted 1"])
        _ = gate.admit(try Self.channel(), now: start + .seconds(20))
        #expect(lines.all.last == "warning: full 0, same address 0, evicted 2")
        // Nothing new: nothing said, however long it has been.
        gate.withBooks { $0.capacity = 10 }
        _ = gate.admit(try Self.channel(), now: start + .seconds(40))
        #expect(lines.all.count == 2)
    }
}
