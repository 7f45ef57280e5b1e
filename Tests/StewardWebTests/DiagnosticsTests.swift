import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardStore
import Synchronization
import Testing

@testable import StewardWeb

/// Diagnostics kept apart from identity (promise MS-4): the user-agent families, the bounded recorder, the references
/// and what the middleware records (the route pattern, never the path; no token, query or identity).
@Suite struct DiagnosticsTests {
    @Test(arguments: [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome", "Windows"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge", "Windows"
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "Safari", "macOS"
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Safari", "iOS"
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
            "Chrome", "Android"
        ),
        ("curl/8.5.0", "curl", "other"),
        ("python-requests/2.31.0", "python-requests", "other"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
            "other", "Windows"
        ),
        ("", "other", "other"),
        ("something odd", "other", "other"),
    ])
    func userAgentFamilies(userAgent: String, browser: String, os: String) {
        #expect(UserAgentFamily.parse(userAgent) == UserAgentFamily(browser: browser, os: os))
    }

    @Test func referencesAreMadeAndFoundStandingAlone() {
        let made = (0..<200).map { _ in DiagnosticReference.make() }
        #expect(made.allSatisfy(DiagnosticReference.isValid))
        #expect(Set(made).count == made.count)
        #expect(DiagnosticReference.make(random: 0) == "d-aaaaaaaaaa")
        let text = "The page said Reference: D-ABCDEFGHIJ. Again d-abcdefghij, and (d-2345672345); not xd-aaaaaaaaaa, d-aaaaaaaaaab, d-aaaaaaaaa1"
        #expect(DiagnosticReference.find(in: text) == ["d-abcdefghij", "d-2345672345"])
        #expect(DiagnosticReference.find(in: "no reference here").isEmpty)
    }

    static func event(_ id: String, at time: Int64 = 1) -> DiagnosticEvent {
        DiagnosticEvent(
            id: id, time: time, method: "GET", route: "/", status: 200, durationMillis: 1, browser: "other", os: "other", appVersion: "",
            network: "")
    }

    @Test func theRecorderIsBoundedAndCountsWhatItDrops() {
        let recorder = DiagnosticsRecorder(capacity: 3)
        for index in 0..<5 { recorder.record(Self.event("d-aaaaaaaaa\(["a", "b", "c", "d", "e"][index])", at: Int64(index))) }
        #expect(recorder.dropped == 2)
        #expect(recorder.newlyDropped() == 2 && recorder.newlyDropped() == 0)
        #expect(recorder.held.events == 3)
        let (events, days) = recorder.drain()
        #expect(events.map(\.time) == [2, 3, 4])  // the oldest went
        #expect(days.isEmpty)
        #expect(recorder.held.events == 0 && recorder.drain().events.isEmpty)

        let row = DiagnosticDay(
            day: 0, method: "POST", route: "/api/v1/{token}/telemetry", status: 200, browser: "other", os: "other", appVersion: "",
            count: 1, durationSumMillis: 4, durationMaxMillis: 4)
        for duration: Int64 in [4, 9, 2] {
            var call = row
            call.durationSumMillis = duration
            call.durationMaxMillis = duration
            recorder.count(call)
        }
        for version in ["1", "2", "3"] {  // beyond the bound of distinct groups
            var other = row
            other.appVersion = version
            recorder.count(other)
        }
        let counted = recorder.drain().days.sorted { $0.appVersion < $1.appVersion }
        #expect(counted.map(\.appVersion) == ["", "1", "2"])
        #expect(counted.first.map { [$0.count, $0.durationSumMillis, $0.durationMaxMillis] } == [3, 15, 9])
        #expect(recorder.dropped == 3)
    }

    @Test func aFailedFlushIsHeldForTheNext() async throws {
        let recorder = DiagnosticsRecorder(capacity: 10)
        recorder.record(Self.event("d-aaaaaaaaaa"))
        let store = MemoryDiagnostics(failing: true)
        await #expect(throws: StewardError.self) { try await recorder.flush(into: store) }
        #expect(recorder.held.events == 1)
        store.failing.withLock { $0 = false }
        #expect(try await recorder.flush(into: store) == 1)
        #expect(store.events.withLock { $0.map(\.id) } == ["d-aaaaaaaaaa"])
        #expect(recorder.held.events == 0)
    }

    /// The middleware records the route pattern and never the concrete path, query or any credential; an error
    /// carries its reference in `X-Steward-Reference`; a device-API success is only counted.
    // promise: MS-4
    @Test func theMiddlewareRecordsThePatternAndAReferenceOnErrors() async throws {
        let recorder = DiagnosticsRecorder()
        let router = Router(context: StewardRequestContext.self)
        router.add(middleware: DiagnosticsMiddleware(recorder: recorder, now: { 5 * 86_400_000 + 7 }))
        router.get("things/{id}") { _, context in context.diagnosticReference ?? "none" }
        router.get("broken/{id}") { _, _ -> String in throw HTTPError(.notFound, message: "no such thing") }
        router.post("api/v1/{token}/telemetry") { _, _ in "" }
        let app = Application(router: router)
        try await app.test(.router) { client in
            var headers: HTTPFields = [.userAgent: "curl/8.5.0", .authorization: "Bearer secret-token"]
            headers[HTTPField.Name("X-App-Version")!] = "3.4.5\t-with-a-much-too-long-tail-that-is-cut"
            let ok = try await client.execute(uri: "/things/alice-device-42?token=s3cr3t", method: .get, headers: headers)
            #expect(ok.status == .ok)
            #expect(ok.headers[HTTPField.Name("X-Steward-Reference")!] == nil)
            let seen = String(buffer: ok.body)
            #expect(DiagnosticReference.isValid(seen))

            let broken = try await client.execute(uri: "/broken/bob", method: .get)
            #expect(broken.status == .notFound)
            let reference = try #require(broken.headers[HTTPField.Name("X-Steward-Reference")!])
            #expect(DiagnosticReference.isValid(reference))

            let device = try await client.execute(uri: "/api/v1/DEVICE-TOKEN/telemetry", method: .post)
            #expect(device.status == .ok)
        }
        let (events, days) = recorder.drain()
        #expect(events.count == 2)
        let first = try #require(events.first)
        #expect(first.route == "/things/{id}" && first.method == "GET" && first.status == 200 && first.time == 5 * 86_400_000 + 7)
        #expect(first.browser == "curl" && first.os == "other")
        #expect(first.appVersion == "3.4.5-with-a-much-too-long-tail-" && first.appVersion.count == 32)
        #expect(events.last?.route == "/broken/{id}" && events.last?.status == 404)
        #expect(days.count == 1 && days.first?.route == "/api/v1/{token}/telemetry" && days.first?.count == 1)
        #expect(days.first.map(\.day) == Int64(5 * 86_400_000))
        let everything = "\(events) \(days)"
        for secret in ["alice-device-42", "s3cr3t", "secret-token", "bob", "DEVICE-TOKEN"] {
            #expect(!everything.contains(secret), "\(secret) was recorded")
        }
    }
}

/// A diagnostics store in memory that can be told to fail.
final class MemoryDiagnostics: DiagnosticsStore, Sendable {
    let failing: Mutex<Bool>
    let events = Mutex<[DiagnosticEvent]>([])

    init(failing: Bool) { self.failing = Mutex(failing) }

    func recordDiagnostics(_ events: [DiagnosticEvent], days: [DiagnosticDay]) async throws {
        if failing.withLock({ $0 }) { throw StewardError(.unavailable, "the database is away") }
        self.events.withLock { $0 += events }
    }
    func linkDiagnostics(_ ids: [String], to user: UserID, at time: Int64) async throws -> [String] { [] }
    func foldDiagnostics(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        RetentionStep(affected: 0, more: false, oldest: nil)
    }
    func expireDiagnosticDays(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        RetentionStep(affected: 0, more: false, oldest: nil)
    }
    func linkedDiagnostics(of user: UserID) async throws -> [DiagnosticEvent] { [] }
    func diagnosticEvents(from: Int64, to: Int64, limit: Int) async throws -> [DiagnosticEvent] { [] }
    func diagnosticDays(from: Int64, to: Int64) async throws -> [DiagnosticDay] { [] }
}
