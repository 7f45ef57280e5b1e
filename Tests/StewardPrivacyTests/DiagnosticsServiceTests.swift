import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// Linking quoted references through requests and complaints, and the retention step of diagnostics (MS-4, MS-5).
@Suite struct DiagnosticsServiceTests {
    let fixture: RequestFixture

    init() async throws {
        fixture = try await RequestFixture()
    }

    func event(_ id: String, at time: Int64, duration: Int64 = 10) -> DiagnosticEvent {
        DiagnosticEvent(
            id: id, time: time, method: "GET", route: "/devices/{id}", status: 500, durationMillis: duration, browser: "Chrome",
            os: "Linux", appVersion: "", network: "198.51.100.0/24")
    }

    // promise: MS-5
    @Test func aSignedInRequestOrComplaintLinksTheQuotedRecordsAndOnlyThose() async throws {
        let now = fixture.clock.current
        try await fixture.store.recordDiagnostics(
            [event("d-aaaaaaaaaa", at: now - 1_000), event("d-bbbbbbbbbb", at: now - 900), event("d-cccccccccc", at: now - 800)],
            days: [])
        try await fixture.requests.file(
            by: fixture.personA, kind: "access", details: "It failed twice: D-AAAAAAAAAA and d-zzzzzzzzzz (that one I mistyped).",
            ip: "198.51.100.7")
        _ = try await fixture.complaints.file(name: nil, email: nil, text: "Again: d-bbbbbbbbbb", user: fixture.personA)
        // The public form proves nothing about who types an address: nothing is linked to its account.
        _ = try await fixture.complaints.file(name: "Mallory", email: fixture.personB.email, text: "See d-cccccccccc")

        #expect(try await fixture.store.linkedDiagnostics(of: fixture.personA.id).map(\.id) == ["d-aaaaaaaaaa", "d-bbbbbbbbbb"])
        #expect(try await fixture.store.linkedDiagnostics(of: fixture.personB.id).isEmpty)
    }

    // promise: MS-4
    @Test func expireFoldsOldRecordsDropsOldDaysAndKeepsLinkedOnes() async throws {
        let service = DiagnosticsService(store: fixture.store)
        let day: Int64 = 86_400_000
        let now = 400 * day
        let cutoffs = try #require(DiagnosticsService.cutoffs(rawPeriod: "P14D", now: now))
        #expect(cutoffs.raw == now - 14 * day && cutoffs.daily < now - 390 * day && cutoffs.daily > now - 400 * day)
        try await fixture.store.recordDiagnostics(
            [event("d-aaaaaaaaaa", at: now - 20 * day), event("d-bbbbbbbbbb", at: now - 20 * day + 5, duration: 30),
             event("d-cccccccccc", at: now - 30 * day), event("d-dddddddddd", at: now - day)],
            days: [
                DiagnosticDay(
                    day: now - 399 * day, method: "GET", route: "/", status: 200, browser: "other", os: "other", appVersion: "", count: 4,
                    durationSumMillis: 8, durationMaxMillis: 3)
            ])
        _ = try await fixture.store.linkDiagnostics(["d-cccccccccc"], to: fixture.personA.id, at: now)

        let dry = try await service.expire(before: cutoffs.raw, dailyBefore: cutoffs.daily, limit: 10, dryRun: true)
        #expect(dry == RetentionStep(affected: 3, more: false, oldest: now - 20 * day))
        let step = try await service.expire(before: cutoffs.raw, dailyBefore: cutoffs.daily, limit: 10, dryRun: false)
        #expect(step == RetentionStep(affected: 3, more: false, oldest: now - day))

        let left = try await fixture.store.diagnosticEvents(from: 0, to: Int64.max, limit: 10).map(\.id)
        #expect(left == ["d-cccccccccc", "d-dddddddddd"])
        let days = try await fixture.store.diagnosticDays(from: 0, to: Int64.max)
        #expect(days.count == 1 && days.first?.count == 2 && days.first?.durationSumMillis == 40 && days.first?.durationMaxMillis == 30)
    }
}
