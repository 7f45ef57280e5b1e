import Foundation
import StewardPrivacy
import Testing

/// Retention periods turned into the time before which a record has expired: calendar arithmetic in UTC, so the
/// declared "13 months" or "1 year" means what a person reading the policy understands.
@Suite struct DurationsTests {
    /// 2026-12-07 10:30:00 UTC.
    static let now: Int64 = 1_796_639_400_000

    static func millis(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Int64(formatter.date(from: text)!.timeIntervalSince1970 * 1000)
    }

    @Test func nowIsWhatTheTestsSay() {
        #expect(Self.millis("2026-12-07T10:30:00Z") == Self.now)
    }

    @Test(arguments: [
        ("P30D", "2026-11-07T10:30:00Z"),
        ("P90D", "2026-09-08T10:30:00Z"),
        ("P1W", "2026-11-30T10:30:00Z"),
        ("P13M", "2025-11-07T10:30:00Z"),
        ("P1Y", "2025-12-07T10:30:00Z"),
        ("P2Y6M", "2024-06-07T10:30:00Z"),
        ("PT12H", "2026-12-06T22:30:00Z"),
        ("P1DT1H30M", "2026-12-06T09:00:00Z"),
        ("PT90S", "2026-12-07T10:28:30Z"),
    ])
    func aPeriodEndsOnTheCalendar(period: String, expected: String) {
        #expect(Durations.cutoff(period, now: Self.now) == Self.millis(expected))
    }

    /// A month back from the 31st lands on the last day of the shorter month; a year back from 29 February on the
    /// 28th: never in the following month.
    @Test func shortMonthsAndLeapDays() {
        #expect(Durations.cutoff("P1M", now: Self.millis("2026-03-31T00:00:00Z")) == Self.millis("2026-02-28T00:00:00Z"))
        #expect(Durations.cutoff("P1Y", now: Self.millis("2028-02-29T12:00:00Z")) == Self.millis("2027-02-28T12:00:00Z"))
    }

    /// `account-lifetime` has no time limit, and text that is not a duration gives no cutoff (the validator refuses it).
    @Test(arguments: ["account-lifetime", "", "30 days", "P", "PT", "P1H", "P-1D", "p30d", "P30DT"])
    func noCutoffWithoutADuration(period: String) {
        #expect(Durations.cutoff(period, now: Self.now) == nil)
    }

    @Test func zeroAndOversizedPeriods() {
        #expect(Durations.isZero("P0D"))
        #expect(Durations.isZero("P0Y0M"))
        #expect(Durations.isZero("PT0S"))
        #expect(!Durations.isZero("PT1S"))
        #expect(!Durations.isZero("account-lifetime"))
        #expect(Durations.isBeyondLongest("P101Y"))
        #expect(Durations.isBeyondLongest("P1201M"))
        #expect(!Durations.isBeyondLongest("P100Y"))
        #expect(!Durations.isBeyondLongest("P2Y"))
    }
}
