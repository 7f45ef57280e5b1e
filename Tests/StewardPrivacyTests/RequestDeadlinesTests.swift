import Foundation
import StewardCore
import Testing

@testable import StewardPrivacy

/// The statutory clocks of the bundled declaration's jurisdictions, computed from fixed instants.
@Suite struct RequestDeadlinesTests {
    let declaration = PrivacyDeclaration.bundledDefault

    func rule(_ country: String) throws -> Jurisdiction {
        try #require(declaration.jurisdiction(forCountry: country))
    }

    // promise: MB-19
    @Test func gdprIsOneCalendarMonthExtendableByTwo() throws {
        let gdpr = try rule("DE")
        #expect(gdpr.code == "GDPR" && gdpr.deadlineUnit == .months)
        let clock = RequestDeadlines(jurisdiction: gdpr, start: utc("2026-03-09T14:00:00Z"))
        #expect(clock.due == utc("2026-04-09T14:00:00Z"))
        #expect(clock.latestExtendedDue == utc("2026-06-09T14:00:00Z"))
        #expect(clock.extensionNoticeBy == clock.due)
        #expect(clock.acknowledgeBy == nil)
        // Country-coded GDPR rules count the same way.
        let austria = RequestDeadlines(jurisdiction: try rule("AT"), start: utc("2026-03-09T14:00:00Z"))
        #expect(austria.due == clock.due && austria.latestExtendedDue == clock.latestExtendedDue)
    }

    // promise: MB-19
    @Test func aMonthFromTheLastDayOfAMonthEndsOnTheLastDayOfAShorterMonth() throws {
        let gdpr = try rule("FR")
        let january = RequestDeadlines(jurisdiction: gdpr, start: utc("2026-01-31T08:00:00Z"))
        #expect(january.due == utc("2026-02-28T08:00:00Z"))
        // The two further months run from the first due date: 28 April. Counting three months from the start would
        // give 30 April; the earlier date is the one that is never late under either reading of Art. 12(3).
        #expect(january.latestExtendedDue == utc("2026-04-28T08:00:00Z"))
        let leap = RequestDeadlines(jurisdiction: gdpr, start: utc("2028-01-31T08:00:00Z"))
        #expect(leap.due == utc("2028-02-29T08:00:00Z"))
        let august = RequestDeadlines(jurisdiction: gdpr, start: utc("2026-08-31T23:59:00Z"))
        #expect(august.due == utc("2026-09-30T23:59:00Z"))
        // "30 days" would have been late: 2 March is after 28 February.
        #expect(RequestDeadlines.adding(30, .days, to: utc("2026-01-31T08:00:00Z")) == utc("2026-03-02T08:00:00Z"))
    }

    // promise: MB-19
    @Test func ccpaIs45Plus45DaysWithTenBusinessDaysToConfirmReceipt() throws {
        let ccpa = try rule("US")
        #expect(ccpa.code == "CCPA")
        // Friday 20 November 2026.
        let clock = RequestDeadlines(jurisdiction: ccpa, start: utc("2026-11-20T09:30:00Z"))
        #expect(clock.due == utc("2027-01-04T09:30:00Z"))
        #expect(clock.latestExtendedDue == utc("2027-02-18T09:30:00Z"))
        #expect(clock.extensionNoticeBy == clock.due)
        // Ten business days skip two weekends: Monday 23 November … Friday 4 December.
        #expect(clock.acknowledgeBy == utc("2026-12-04T09:30:00Z"))
        // Received on a Saturday, the first business day counted is Monday.
        let saturday = RequestDeadlines(jurisdiction: ccpa, start: utc("2026-11-21T12:00:00Z"))
        #expect(saturday.acknowledgeBy == utc("2026-12-04T12:00:00Z"))
    }

    // promise: MB-19
    @Test func theFifteenWorkingDayPromiseSkipsWeekendsAndAllowsNoExtension() throws {
        let china = try rule("CN")
        #expect(china.deadlineUnit == .workingDays && china.requestDeadline == 15 && china.extension == 0)
        // Friday 20 November: three full working weeks later is Friday 11 December.
        let friday = RequestDeadlines(jurisdiction: china, start: utc("2026-11-20T09:30:00Z"))
        #expect(friday.due == utc("2026-12-11T09:30:00Z"))
        #expect(friday.latestExtendedDue == nil)
        // Wednesday 25 November: 15 working days is Wednesday 16 December, 21 calendar days.
        let wednesday = RequestDeadlines(jurisdiction: china, start: utc("2026-11-25T18:00:00Z"))
        #expect(wednesday.due == utc("2026-12-16T18:00:00Z"))
        #expect(!RequestDeadlines.isWeekend(friday.due) && !RequestDeadlines.isWeekend(wednesday.due))
    }

    // promise: MB-19
    @Test func everyoneElseGetsThirtyDaysWithoutExtension() throws {
        let other = try rule("JP")
        #expect(other.code == "OTHER")
        let clock = RequestDeadlines(jurisdiction: other, start: utc("2026-11-20T09:30:00Z"))
        #expect(clock.due == utc("2026-12-20T09:30:00Z"))
        #expect(clock.latestExtendedDue == nil)
    }

    @Test func daysLeftRoundsAwayFromZero() {
        let due = utc("2026-12-10T12:00:00Z")
        #expect(RequestDeadlines.daysLeft(until: due, now: due) == 0)
        #expect(RequestDeadlines.daysLeft(until: due, now: due - 3_600_000) == 1)
        #expect(RequestDeadlines.daysLeft(until: due, now: due - 7 * 86_400_000) == 7)
        #expect(RequestDeadlines.daysLeft(until: due, now: due + 3_600_000) == -1)
    }

    @Test func theDeadlineUnitIsParsedValidatedAndPublished() throws {
        let working = Fixtures.replacing(
            "{code: OTHER, name: Everywhere, requestDeadline: 30, extension: 0, extensionNotice: 30,",
            with: "{code: OTHER, name: Everywhere, deadlineUnit: working-days, requestDeadline: 15, extension: 0, extensionNotice: 15,")
        let declaration = try PrivacyDeclaration.load(yaml: working)
        #expect(declaration.jurisdictions.first?.deadlineUnit == .workingDays)
        #expect(PolicyRenderer.json(declaration).contains("\"deadlineUnit\":\"working-days\""))
        #expect(PolicyRenderer.markdown(declaration).contains("15 working days"))
        // Without the field a declaration means calendar days, as before.
        #expect(try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML).jurisdictions.first?.deadlineUnit == .days)

        let misspelt = Fixtures.replacing(
            "{code: OTHER, name: Everywhere, requestDeadline: 30,",
            with: "{code: OTHER, name: Everywhere, deadlineUnit: workdays, requestDeadline: 30,")
        let issue = try #require(Fixtures.issue("is not a valid deadlineUnit", in: Fixtures.issues(misspelt)))
        #expect(issue.line == Fixtures.line(of: "deadlineUnit: workdays", in: misspelt))
        let tooLong = Fixtures.replacing(
            "{code: OTHER, name: Everywhere, requestDeadline: 30, extension: 0, extensionNotice: 30,",
            with: "{code: OTHER, name: Everywhere, deadlineUnit: months, requestDeadline: 6, extension: 12, extensionNotice: 1,")
        #expect(Fixtures.issue("no law allows more than a year", in: Fixtures.issues(tooLong)) != nil)
    }
}
