import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `DiagnosticsStore` (promises MS-4, MS-5): records hold no identifier, fold into daily counts that
/// keep count, sum and maximum, stay while a person's link holds them, and go with that person's erasure.
extension StoreContract {
    static let dayMillis: Int64 = 86_400_000

    static func diagnostic(_ id: String, at time: Int64, route: String = "/devices/{id}", status: Int = 200, duration: Int64 = 10)
        -> DiagnosticEvent
    {
        DiagnosticEvent(
            id: id, time: time, method: "GET", route: route, status: status, durationMillis: duration, browser: "Firefox", os: "Linux",
            appVersion: "2.1", network: "203.0.113.0/24")
    }

    /// Records round-trip; a repeated flush of the same record is harmless; daily counts add up; the table has no
    /// column that could name a person, device, session or token.
    // promise: MS-4
    public static func diagnosticsRecordWithoutIdentifiers(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let day = 20 * dayMillis
            let first = diagnostic("d-aaaaaaaaaa", at: day + 1_000, status: 404)
            let second = diagnostic("d-bbbbbbbbbb", at: day + 2_000)
            let counted = DiagnosticDay(
                day: day, method: "POST", route: "/api/v1/{token}/telemetry", status: 200, browser: "other", os: "other", appVersion: "",
                count: 3, durationSumMillis: 9, durationMaxMillis: 5)
            try await s.diagnostics.recordDiagnostics([first, second], days: [counted])
            try await s.diagnostics.recordDiagnostics([first], days: [counted])
            #expect(try await s.diagnostics.diagnosticEvents(from: day, to: day + dayMillis, limit: 10) == [first, second])
            var twice = counted
            twice.count = 6
            twice.durationSumMillis = 18
            #expect(try await s.diagnostics.diagnosticDays(from: day, to: day + dayMillis) == [twice])

            // What a diagnostic record is made of: no column for anyone or anything that identifies them.
            let fields = Set(Mirror(reflecting: first).children.compactMap(\.label))
            #expect(
                fields == ["id", "time", "method", "route", "status", "durationMillis", "browser", "os", "appVersion", "network"])
        }
    }

    /// Folding takes unlinked records older than the cutoff, oldest first, at most `limit` a call, into daily rows
    /// with the same count, duration sum and maximum; a dry run changes nothing; a linked record is never folded.
    // promise: MS-4
    public static func diagnosticsFoldIntoDaysKeepingTotals(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let day = 30 * dayMillis
            let events = [
                diagnostic("d-aaaaaaaaaa", at: day + 1, duration: 5),
                diagnostic("d-bbbbbbbbbb", at: day + 2, duration: 40),
                diagnostic("d-cccccccccc", at: day + 3, status: 500, duration: 7),
                diagnostic("d-dddddddddd", at: day + dayMillis + 4, duration: 3),
                diagnostic("d-eeeeeeeeee", at: day + 5, duration: 1_000),  // linked below: never folded
                diagnostic("d-ffffffffff", at: day + 3 * dayMillis, duration: 2),  // younger than the cutoff
            ]
            try await s.diagnostics.recordDiagnostics(events, days: [])
            #expect(
                try await s.diagnostics.linkDiagnostics(["d-eeeeeeeeee", "d-zzzzzzzzzz"], to: alice.id, at: day + 10)
                    == ["d-eeeeeeeeee"])
            let cutoff = day + 2 * dayMillis

            #expect(
                try await s.diagnostics.foldDiagnostics(before: cutoff, limit: 1, dryRun: true)
                    == RetentionStep(affected: 4, more: false, oldest: day + 1))
            #expect(try await s.diagnostics.diagnosticDays(from: 0, to: Int64.max).isEmpty)

            #expect(
                try await s.diagnostics.foldDiagnostics(before: cutoff, limit: 3, dryRun: false)
                    == RetentionStep(affected: 3, more: true, oldest: day + dayMillis + 4))
            #expect(
                try await s.diagnostics.foldDiagnostics(before: cutoff, limit: 3, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: day + 3 * dayMillis))
            #expect(
                try await s.diagnostics.foldDiagnostics(before: cutoff, limit: 3, dryRun: false)
                    == RetentionStep(affected: 0, more: false, oldest: day + 3 * dayMillis))

            let rows = try await s.diagnostics.diagnosticDays(from: 0, to: Int64.max)
            func row(_ day: Int64, _ status: Int) -> DiagnosticDay? { rows.first { $0.day == day && $0.status == status } }
            #expect(rows.count == 3)
            #expect(row(day, 200).map { [$0.count, $0.durationSumMillis, $0.durationMaxMillis] } == [2, 45, 40])
            #expect(row(day, 500).map { [$0.count, $0.durationSumMillis, $0.durationMaxMillis] } == [1, 7, 7])
            #expect(row(day + dayMillis, 200).map { [$0.count, $0.durationSumMillis, $0.durationMaxMillis] } == [1, 3, 3])
            #expect(rows.allSatisfy { $0.route == "/devices/{id}" && $0.browser == "Firefox" && $0.appVersion == "2.1" })

            // What is left: the linked record, still the person's, and the young one.
            let left = try await s.diagnostics.diagnosticEvents(from: 0, to: Int64.max, limit: 10)
            #expect(left.map(\.id) == ["d-eeeeeeeeee", "d-ffffffffff"])
            #expect(try await s.diagnostics.linkedDiagnostics(of: alice.id).map(\.id) == ["d-eeeeeeeeee"])

            await #expect(throws: StewardError.self) {
                _ = try await s.diagnostics.foldDiagnostics(before: cutoff, limit: 0, dryRun: false)
            }
        }
    }

    /// Daily rows go once their day is before the cutoff, at most `limit` a call, oldest first.
    public static func diagnosticDaysExpire(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let days = (0..<3).map { index in
                DiagnosticDay(
                    day: Int64(index) * dayMillis, method: "GET", route: "/", status: 200, browser: "Chrome", os: "Windows", appVersion: "",
                    count: 1, durationSumMillis: 1, durationMaxMillis: 1)
            }
            try await s.diagnostics.recordDiagnostics([], days: days)
            #expect(
                try await s.diagnostics.expireDiagnosticDays(before: 2 * dayMillis, limit: 5, dryRun: true)
                    == RetentionStep(affected: 2, more: false, oldest: 0))
            #expect(
                try await s.diagnostics.expireDiagnosticDays(before: 2 * dayMillis, limit: 1, dryRun: false)
                    == RetentionStep(affected: 1, more: true, oldest: dayMillis))
            #expect(
                try await s.diagnostics.expireDiagnosticDays(before: 2 * dayMillis, limit: 5, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 2 * dayMillis))
            #expect(try await s.diagnostics.diagnosticDays(from: 0, to: Int64.max).map(\.day) == [2 * dayMillis])
        }
    }

    /// A linked record is the person's: their access report and export list it, and their erasure deletes it and
    /// the link, while a record someone else quoted too stays with that other person.
    // promise: MS-5
    public static func linkedDiagnosticsArePersonalDataAndGoWithErasure(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            try await s.diagnostics.recordDiagnostics(
                [
                    diagnostic("d-aaaaaaaaaa", at: 5_000, status: 404), diagnostic("d-bbbbbbbbbb", at: 6_000, status: 500),
                    diagnostic("d-cccccccccc", at: 7_000),
                ], days: [])
            #expect(try await s.diagnostics.linkDiagnostics(["d-aaaaaaaaaa", "d-bbbbbbbbbb"], to: f.person.id, at: 8_000).count == 2)
            #expect(try await s.diagnostics.linkDiagnostics(["d-bbbbbbbbbb"], to: f.colleague.id, at: 8_000) == ["d-bbbbbbbbbb"])

            let (page, next) = try await s.personalData.personalRecords(.diagnostics, of: f.person.id, after: nil, limit: 1)
            #expect(page.name == "diagnostics" && page.rows.count == 1 && next != nil)
            #expect(page.columns.prefix(5) == ["reference", "time", "method", "route", "status"])
            #expect(page.rows.first?.first == .string("d-aaaaaaaaaa"))
            let (rest, end) = try await s.personalData.personalRecords(.diagnostics, of: f.person.id, after: next, limit: 5)
            #expect(rest.rows.map { $0.first } == [.string("d-bbbbbbbbbb")] && end == nil)
            let newest = try await s.personalData.newestPersonalRecords(.diagnostics, of: f.person.id, limit: 10)
            #expect(newest.total == 2 && newest.table.rows.count == 2)

            let counts = try await s.personalData.erase(erasurePlan(f))
            #expect(counts.deleted["diagnostic records you quoted"] == 1)
            let left = try await s.diagnostics.diagnosticEvents(from: 0, to: Int64.max, limit: 10).map(\.id)
            #expect(left == ["d-bbbbbbbbbb", "d-cccccccccc"])
            #expect(try await s.diagnostics.linkedDiagnostics(of: f.person.id).isEmpty)
            #expect(try await s.diagnostics.linkedDiagnostics(of: f.colleague.id).map(\.id) == ["d-bbbbbbbbbb"])
        }
    }
}
