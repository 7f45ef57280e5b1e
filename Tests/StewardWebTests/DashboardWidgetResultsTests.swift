import Testing
import StewardCore
import StewardDevices

@testable import StewardWeb

/// What a dashboard control did is shown once, to whoever pressed it, on the dashboard it was pressed on, for two
/// minutes; and the grid stylesheet covers every row a layout may use.
@Suite struct DashboardWidgetResultsTests {
    let now: Int64 = 1_796_652_300_000

    func entry(_ user: UserID, _ dashboard: DashboardID) -> DashboardWidgetResults.Entry {
        .init(user: user, dashboard: dashboard, widget: 3, ok: true, message: "The device answered 'setValue'.", reply: "true", expires: 0)
    }

    @Test func readOnceByTheUserWhoPressed() async {
        let results = DashboardWidgetResults()
        let (user, other, dashboard) = (UserID(), UserID(), DashboardID())
        let token = await results.keep(entry(user, dashboard), now: now)
        #expect(await results.take(token, user: other, dashboard: dashboard, now: now) == nil)
        #expect(await results.take(token, user: user, dashboard: DashboardID(), now: now) == nil)
        let taken = await results.take(token, user: user, dashboard: dashboard, now: now + 1_000)
        #expect(taken?.widget == 3 && taken?.reply == "true")
        #expect(await results.take(token, user: user, dashboard: dashboard, now: now + 1_000) == nil)
        #expect(await results.take("made-up", user: user, dashboard: dashboard, now: now) == nil)
    }

    @Test func expiresAfterTwoMinutesAndHoldsAtMostItsCapacity() async {
        let results = DashboardWidgetResults()
        let (user, dashboard) = (UserID(), DashboardID())
        let token = await results.keep(entry(user, dashboard), now: now)
        #expect(await results.take(token, user: user, dashboard: dashboard, now: now + DashboardWidgetResults.lifetimeMillis + 1) == nil)
        var tokens: [String] = []
        for n in 0..<(DashboardWidgetResults.capacity + 1) {
            tokens.append(await results.keep(entry(user, dashboard), now: now + Int64(n)))
        }
        #expect(await results.take(tokens[0], user: user, dashboard: dashboard, now: now + 5_000) == nil)  // the oldest went
        #expect(await results.take(tokens.last!, user: user, dashboard: dashboard, now: now + 5_000) != nil)
    }

    @Test func gridRowsCoverEveryRowALayoutAllows() {
        let css = Console.dashboardGridStylesheet
        #expect(css.contains(".dash-y-1 { grid-row-start: 1; }"))
        #expect(css.contains(".dash-y-\(DashboardLayout.maximumRows + 1) { grid-row-start: \(DashboardLayout.maximumRows + 1); }"))
        #expect(!css.contains(".dash-y-\(DashboardLayout.maximumRows + 2) "))
    }
}
