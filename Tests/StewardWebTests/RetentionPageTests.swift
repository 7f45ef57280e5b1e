import StewardStore
import Testing

@testable import StewardPrivacy
@testable import StewardWeb

/// What the `/retention` template is given: the audit entries' lines read back, ages and periods in words, rows of
/// one category added together, and readable times.
@Suite struct RetentionPageTests {
    static let day: Int64 = 86_400_000
    /// 7 Dec 2026, 11:00 UTC.
    static let now: Int64 = 1_796_641_200_000

    static func row(
        _ category: String, _ records: String?, rule: RetentionRule.Outcome = .delete, period: String, affected: Int?,
        oldest: Int64? = nil, hold: String? = nil, note: String? = nil
    ) -> RetentionReport.Row {
        RetentionReport.Row(
            category: category, categoryName: PrivacyDeclaration.bundledDefault.category(category)?.name ?? category, records: records,
            rule: rule, period: period, legalHold: hold, affected: affected, oldest: oldest, note: note)
    }

    // promise: MB-14
    @Test func auditLinesAreReadBackAsTheReportWritesThem() throws {
        let report = RetentionReport(
            time: Self.now, dryRun: false,
            rows: [
                Self.row("user.account.sign_in_history", "signIns", period: "P90D", affected: 7, oldest: Self.now - 3 * Self.day),
                Self.row("system.audit", "auditEntries", period: "P2Y", affected: 0, hold: "Security events"),
                Self.row("user.telemetry", "hourly totals", period: "P2Y", affected: 12),
                Self.row("reading TTL", "readings", period: "per reading", affected: 2),
                Self.row("tenant TTL: Delete me aggregate", "readings", period: "PT604800S", affected: 1),
                Self.row("unopened accounts", "accounts", period: "P7D", affected: 3),
                Self.row("user.name", nil, period: "account-lifetime", affected: nil, note: "kept until the account is deleted"),
            ])
        let lines = RetentionRunLine.lines(of: report.auditDetail)
        #expect(lines.count == 6)
        let first = lines[0]
        #expect((first.category, first.records, first.rule, first.period) == ("user.account.sign_in_history", "signIns", .delete, "P90D"))
        #expect((first.affected, first.oldest, first.legalHold) == (7, Self.now - 3 * Self.day, false))
        #expect(lines[1].legalHold && lines[1].oldest == nil && lines[1].category == "system.audit")
        #expect((lines[2].category, lines[2].records, lines[2].affected) == ("user.telemetry", "hourly totals", 12))
        #expect((lines[3].category, lines[3].records, lines[3].period) == ("reading TTL", "readings", "per reading"))
        #expect((lines[4].category, lines[4].rule, lines[4].period) == ("tenant TTL: Delete me aggregate", .delete, "PT604800S"))
        #expect((lines[5].category, lines[5].records) == ("unopened accounts", "accounts"))
    }

    @Test func malformedLinesAreLeftOut() {
        for line in [
            "", "user.x signIns delete P90D affected=3", "user.x signIns delete P90D oldest=- affected=3",
            "user.x signIns delete P90D affected=many oldest=-", "user.x signIns delete P90D affected=3 oldest=soon",
            "signIns delete P90D affected=3 oldest=-", "user.x signIns remove P90D affected=3 oldest=-",
            "user.x signIns delete affected=3 oldest=-",
        ] {
            #expect(RetentionRunLine(Substring(line)) == nil, "\(line)")
        }
    }

    @Test func agesReadAsWords() {
        let second: Int64 = 1_000
        #expect(RetentionPage.age(-5 * second) == "under a minute")
        #expect(RetentionPage.age(59 * second) == "under a minute")
        #expect(RetentionPage.age(60 * second) == "1 minute")
        #expect(RetentionPage.age(17 * 60 * second + 59 * second) == "17 minutes")
        #expect(RetentionPage.age(3 * 3_600 * second) == "3 hours")
        #expect(RetentionPage.age(47 * 3_600 * second) == "47 hours")
        #expect(RetentionPage.age(2 * Self.day) == "2 days")
        #expect(RetentionPage.age(92 * Self.day + 5 * 3_600 * second) == "92 days")
        #expect(RetentionPage.age(1_000 * Self.day) == "1,000 days (about 2 years)")
    }

    @Test func periodsTimesAndRecordsReadAsWords() {
        #expect(RetentionPage.periodWords("P90D") == "90 days")
        #expect(RetentionPage.periodWords("PT604800S") == "7 days")
        #expect(RetentionPage.periodWords("PT7200S") == "2 hours")
        #expect(RetentionPage.periodWords("PT90S") == "90 seconds")
        #expect(RetentionPage.periodWords("account-lifetime") == "the account's lifetime")
        #expect(RetentionPage.periodWords("per reading") == "per reading")
        #expect(RetentionPage.time(Self.now) == "7 Dec 2026, 11:00 UTC")
        #expect(RetentionPage.time(Self.now - 92 * Self.day + 65_000) == "6 Sep 2026, 11:01 UTC")
        #expect(RetentionPage.iso(Self.now) == "2026-12-07T11:00:00Z")
        #expect(RetentionPage.recordWords("signIns") == "sign-ins")
        #expect(RetentionPage.recordWords("closedRequests") == "closed requests")
        #expect(RetentionPage.recordWords("hourly totals") == "hourly totals")
        #expect(RetentionPage.records(1) == "1 record")
        #expect(RetentionPage.records(12_345) == "12,345 records")
        #expect(RetentionPage.breakable("tenant TTL: <b>") == "tenant TTL: &lt;b&gt;")
        #expect(RetentionPage.who("retention") == "hourly job")
        #expect(RetentionPage.who("cli") == "command line")
        #expect(RetentionPage.who(nil) == "unknown")
    }

    // promise: MB-14
    @Test func rowsOfOneCategoryAreAddedTogether() throws {
        let report = RetentionReport(
            time: Self.now, dryRun: true,
            rows: [
                Self.row("user.name", nil, period: "account-lifetime", affected: nil, note: "kept until the account is deleted"),
                Self.row("user.authorization.session", "sessions", period: "P30D", affected: 4, oldest: Self.now - 40 * Self.day),
                Self.row("user.authorization.session", "oneTimeTokens", period: "P30D", affected: 1, oldest: Self.now - 3 * 3_600_000),
                Self.row("user.telemetry", "readings", rule: .aggregate, period: "P1Y", affected: 0, oldest: nil),
                Self.row("user.telemetry", "daily totals", period: "P5Y", affected: 0, oldest: nil),
                Self.row("user.telemetry", "hourly totals", period: "P2Y", affected: 0, oldest: nil),
                Self.row("system.audit", nil, period: "P2Y", affected: nil, hold: "Security events stay", note: "not swept by this version of Steward yet"),
            ])
        let rows = RetentionPage.categories(report, declaration: .bundledDefault)
        // Swept categories first, then those not swept yet, then the account's lifetime ones.
        #expect(rows.map { $0["key"] as? String } == ["user.authorization.session", "user.telemetry", "system.audit", "user.name"])
        #expect(rows[0]["keyHTML"] as? String == "user.<wbr>authorization.<wbr>session")
        #expect(rows[3]["note"] as? String == "kept until the account is deleted")
        #expect(rows[3]["waiting"] == nil)
        #expect(rows[3]["period"] as? String == "the account's lifetime")
        #expect(rows[0]["name"] as? String == "Sessions")
        #expect(rows[0]["waiting"] as? String == "5")
        #expect(rows[0]["nothingWaiting"] as? Bool == false)
        #expect(rows[0]["oldest"] as? String == "40 days")
        #expect(rows[0]["records"] as? String == "sessions 4 · one-time links and codes 1")
        #expect(rows[0]["period"] as? String == "30 days")
        // The roll-ups' own period and rule do not replace the category's: the declaration's rule is shown.
        #expect(rows[1]["period"] as? String == "1 year")
        #expect((rows[1]["then"] as? String)?.hasPrefix("aggregate (hourly totals per device kept until 2 years") == true)
        #expect(rows[1]["oldest"] as? String == "none left")
        #expect(rows[1]["records"] as? String == "readings, daily totals, hourly totals")
        #expect(rows[2]["hold"] as? String == "Security events stay")
        #expect(rows[2]["note"] as? String == "not swept by this version of Steward yet")
    }

    // promise: MB-14
    @Test func aRunShowsOnlyWhatItDeletedAndItsTotal() throws {
        let detail = """
            user.authorization.session sessions delete P30D affected=3 oldest=-
            user.authorization.session oneTimeTokens delete P30D affected=0 oldest=-
            user.account.sign_in_history signIns delete P90D affected=1200 oldest=\(Self.now - Self.day)
            """
        let entry = AuditEntry(
            sequence: 9,
            event: AuditEvent(
                time: Self.now, tenantID: nil, actorID: nil, credential: "retention", subjectID: nil, event: "retention.run",
                detail: detail), previousHash: "", hash: "")
        let run = RetentionPage.run(entry, declaration: .bundledDefault)
        #expect(run["time"] as? String == "7 Dec 2026, 11:00 UTC")
        #expect(run["who"] as? String == "hourly job")
        #expect(run["total"] as? String == "1,203")
        #expect(run["totalWords"] as? String == "1,203 records")
        let lines = try #require(run["lines"] as? [[String: String]])
        #expect(lines.map { $0["records"] } == ["sessions", "sign-ins"])
        #expect(lines.map { $0["affected"] } == ["3", "1,200"])
        #expect(lines.last?["name"] == "Sign-in records")
        #expect(run["raw"] as? String == "")

        let unreadable = AuditEntry(
            sequence: 10,
            event: AuditEvent(
                time: Self.now, tenantID: nil, actorID: nil, credential: "cli", subjectID: nil, event: "retention.run",
                detail: "something else"), previousHash: "", hash: "")
        let shown = RetentionPage.run(unreadable, declaration: .bundledDefault)
        #expect(shown["hasLines"] as? Bool == false)
        #expect(shown["raw"] as? String == "something else")
        #expect(shown["who"] as? String == "command line")
    }
}
