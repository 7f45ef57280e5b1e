import StewardCore
/// The rules a declaration must follow beyond its shape: every reference resolves, bases and consent agree,
/// transfers have safeguards, sensitive data has a retention rule, the change log is honest, and the policy it
/// renders carries every item GDPR Art. 13/14 requires.
extension PrivacyDeclaration {
    /// Every problem with this declaration, in source order; empty when it may be enforced and published.
    public func validate() -> [DeclarationIssue] {
        var check = Checker(declaration: self)
        check.run()
        return (check.issues + statisticsIssues()).sorted { ($0.line, $0.column, $0.path) < ($1.line, $1.column, $1.path) }
    }
}

private struct Checker {
    let declaration: PrivacyDeclaration
    var issues: [DeclarationIssue] = []

    init(declaration: PrivacyDeclaration) { self.declaration = declaration }

    /// Reports at `path`, placed where `at` (default `path`) was written.
    mutating func report(_ path: String, _ message: String, at placePath: String? = nil) {
        let at = declaration.sourceMap.position(for: placePath ?? path)
        issues.append(DeclarationIssue(line: at.line, column: at.column, path: path, message: message))
    }

    var categoryKeys: [String] { declaration.categories.map(\.key) }

    mutating func run() {
        checkHeader()
        checkUnique(declaration.categories.map(\.key), "categories", "key", "category")
        checkUnique(declaration.subjects.map(\.key), "subjects", "key", "subject")
        checkUnique(declaration.purposes.map(\.key), "purposes", "key", "purpose")
        checkUnique(declaration.retention.map(\.category), "retention", "category", "retention rule for")
        checkUnique(declaration.recipients.map(\.name), "recipients", "name", "recipient")
        checkUnique(declaration.cookies.map(\.name), "cookies", "name", "cookie")
        checkUnique(declaration.jurisdictions.map(\.code), "jurisdictions", "code", "jurisdiction")
        checkUnique(declaration.rights.map(\.key.rawValue), "rights", "key", "right")
        checkUnique(declaration.changeLog.map(\.version), "changeLog", "version", "change-log version")
        checkCategories()
        checkPurposes()
        checkRetention()
        checkRecipients()
        checkCookies()
        checkTelemetry()
        checkJurisdictions()
        checkRights()
        checkChangeLog()
        checkArt1314()
    }

    mutating func checkHeader() {
        if !declaration.effectiveDate.isEmpty, !Durations.isDate(declaration.effectiveDate) {
            report("effectiveDate", "effectiveDate '\(declaration.effectiveDate)' must be a date written YYYY-MM-DD")
        }
    }

    mutating func checkUnique(_ keys: [String], _ list: String, _ field: String, _ noun: String) {
        var seen: [String: Int] = [:]
        for (index, key) in keys.enumerated() where !key.isEmpty {
            if let first = seen[key] {
                let line = declaration.sourceMap.position(for: "\(list)[\(first)]").line
                report("\(list)[\(index)].\(field)", "duplicate \(noun) '\(key)' (first declared on line \(line)); merge or rename it")
            } else {
                seen[key] = index
            }
        }
    }

    /// An unknown reference, with the nearest declared key when there is one.
    mutating func unknown(_ path: String, _ what: String, _ key: String, _ known: [String], _ fix: String) {
        guard !key.isEmpty else { return }
        var message = "\(what) '\(key)' is not declared"
        if let near = Suggestion.closest(to: key, in: known) { message += "; did you mean '\(near)'?" }
        else { message += "; \(fix)" }
        report(path, message)
    }

    mutating func checkCategories() {
        for (i, category) in declaration.categories.enumerated() where !category.key.isEmpty {
            let parts = category.key.split(separator: ".", omittingEmptySubsequences: false)
            if parts.contains(where: { $0.isEmpty || $0.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) }) {
                report("categories[\(i)].key", "category key '\(category.key)' must be dotted words like user.contact.email")
            }
        }
    }

    mutating func checkPurposes() {
        let subjects = declaration.subjects.map(\.key)
        for (i, purpose) in declaration.purposes.enumerated() {
            let path = "purposes[\(i)]"
            for (j, key) in purpose.categories.enumerated() where !categoryKeys.contains(key) {
                unknown("\(path).categories[\(j)]", "category", key, categoryKeys, "declare it under categories first")
            }
            for (j, key) in purpose.subjects.enumerated() where !subjects.contains(key) {
                unknown("\(path).subjects[\(j)]", "data subject", key, subjects, "declare it under subjects first")
            }
            if purpose.legalBasis == .consent, !purpose.needsConsent {
                report("\(path).needsConsent", "purpose '\(purpose.key)' rests on consent, so needsConsent must be true")
            }
            if purpose.legalBasis != .consent, purpose.needsConsent {
                report(
                    "\(path).needsConsent",
                    "purpose '\(purpose.key)' needs consent but its legalBasis is \(purpose.legalBasis.rawValue); set legalBasis: consent or needsConsent: false")
            }
            if purpose.legalBasis == .legitimateInterests, (purpose.legitimateInterest ?? "").isEmpty {
                report(
                    "\(path).legitimateInterest",
                    "purpose '\(purpose.key)' rests on legitimate interests; state the interest in legitimateInterest (Art. 13(1)(d))")
            }
            if (purpose.offByGPC || purpose.offByDNT), !purpose.optional {
                report("\(path).optional", "purpose '\(purpose.key)' is switched off by GPC/DNT, so it must be optional: true")
            }
            if purpose.categories.isEmpty { report("\(path).categories", "purpose '\(purpose.key)' lists no categories") }
        }
    }

    /// `hourlyUntil` and `dailyUntil` come together, only on `aggregate` rules, as finite durations in order:
    /// the raw period, then hourly totals, then daily totals.
    mutating func checkRollups(_ rule: RetentionRule, at path: String) {
        guard rule.hourlyUntil != nil || rule.dailyUntil != nil else { return }
        guard rule.then == .aggregate else {
            report(path, "hourlyUntil and dailyUntil keep totals of aggregated readings; '\(rule.category)' says then: \(rule.then.rawValue), so remove them or use then: aggregate")
            return
        }
        guard let hourly = rule.hourlyUntil, let daily = rule.dailyUntil else {
            report(path, "give both hourlyUntil and dailyUntil for '\(rule.category)' (how long hourly and daily totals per device are kept)")
            return
        }
        // Compared as cutoffs from one fixed time: a longer duration is an earlier cutoff.
        let now: Int64 = 1_800_000_000_000
        for (field, text) in [("hourlyUntil", hourly), ("dailyUntil", daily)] where Durations.cutoff(text, now: now) == nil || Durations.isZero(text) || Durations.isBeyondLongest(text) {
            report("\(path).\(field)", "\(field) '\(text)' must be an ISO 8601 duration such as P2Y, more than zero and at most \(Durations.longestPeriod)")
            return
        }
        guard let raw = Durations.cutoff(rule.period, now: now) else {
            report(path, "'\(rule.category)' keeps its readings for the account's lifetime, so hourlyUntil and dailyUntil never apply; remove them")
            return
        }
        if !(raw >= Durations.cutoff(hourly, now: now)! && Durations.cutoff(hourly, now: now)! >= Durations.cutoff(daily, now: now)!) {
            report(path, "'\(rule.category)': the period (\(rule.period)), hourlyUntil (\(hourly)) and dailyUntil (\(daily)) must not get shorter in that order")
        }
    }

    mutating func checkRetention() {
        for (i, rule) in declaration.retention.enumerated() {
            if !categoryKeys.contains(rule.category) {
                unknown("retention[\(i)].category", "retention rule for category", rule.category, categoryKeys, "declare the category or remove the rule")
            }
            if !rule.period.isEmpty, !Durations.isRetentionPeriod(rule.period) {
                report("retention[\(i)].period", "period '\(rule.period)' must be an ISO 8601 duration such as P30D or P2Y, or account-lifetime")
            } else if Durations.isZero(rule.period) {
                report("retention[\(i)].period", "period '\(rule.period)' is zero: the retention job would delete '\(rule.category)' as soon as it is written; give a period such as P1D, or account-lifetime")
            } else if Durations.isBeyondLongest(rule.period) {
                report("retention[\(i)].period", "period '\(rule.period)' is longer than \(Durations.longestPeriod) (100 years); use account-lifetime to keep '\(rule.category)' until the account is deleted")
            }
            checkRollups(rule, at: "retention[\(i)]")
        }
        for category in declaration.categories where category.sensitive && !category.key.isEmpty {
            let used = declaration.purposes.contains { $0.categories.contains(category.key) }
            if used, declaration.retentionRule(for: category.key) == nil,
                let index = declaration.categories.firstIndex(of: category)
            {
                report("categories[\(index)]", "sensitive category '\(category.key)' is used by a purpose but has no retention rule; add one under retention")
            }
        }
    }

    mutating func checkRecipients() {
        let purposes = declaration.purposes.map(\.key)
        for (i, recipient) in declaration.recipients.enumerated() {
            let path = "recipients[\(i)]"
            for (j, key) in recipient.purposes.enumerated() where !purposes.contains(key) {
                unknown("\(path).purposes[\(j)]", "purpose", key, purposes, "declare it under purposes first")
            }
            for (j, key) in recipient.categories.enumerated() where !categoryKeys.contains(key) {
                unknown("\(path).categories[\(j)]", "category", key, categoryKeys, "declare it under categories first")
            }
            guard !recipient.location.isEmpty else { continue }
            let code = recipient.location
            if !(code == "EU" || code == "EEA" || (code.count == 2 && code.allSatisfy { $0.isUppercase && $0.isASCII })) {
                report("\(path).location", "location '\(code)' must be an ISO 3166 country code such as DE or US, or EU")
            } else if recipient.isThirdCountry, (recipient.transferSafeguard ?? "").isEmpty {
                report(
                    "\(path).transferSafeguard",
                    "recipient '\(recipient.name)' is in \(code), outside the EU/EEA; name the transfer safeguard (adequacy decision, standard contractual clauses, binding corporate rules)",
                    at: "\(path).location")
            }
        }
    }

    mutating func checkCookies() {
        let purposes = declaration.purposes.map(\.key)
        for (i, cookie) in declaration.cookies.enumerated() {
            let path = "cookies[\(i)]"
            guard let purpose = declaration.purpose(cookie.purpose) else {
                unknown("\(path).purpose", "purpose", cookie.purpose, purposes, "a cookie must serve a declared purpose")
                continue
            }
            if cookie.category != .necessary, !purpose.needsConsent {
                report("\(path).category", "cookie '\(cookie.name)' is not strictly necessary, so its purpose '\(purpose.key)' must need consent (ePrivacy Art. 5(3))")
            }
            if cookie.category == .necessary, purpose.needsConsent {
                report("\(path).category", "cookie '\(cookie.name)' serves consent-based purpose '\(purpose.key)', so it cannot be in the necessary category")
            }
            if !cookie.lifetime.isEmpty, cookie.lifetime != "session", !Durations.isDuration(cookie.lifetime) {
                report("\(path).lifetime", "lifetime '\(cookie.lifetime)' must be an ISO 8601 duration such as P6M, or session")
            }
        }
    }

    mutating func checkTelemetry() {
        let mapping = declaration.telemetry
        if !mapping.defaultCategory.isEmpty, !categoryKeys.contains(mapping.defaultCategory) {
            unknown("telemetry.defaultCategory", "category", mapping.defaultCategory, categoryKeys, "declare it under categories first")
        }
        let general = mapping.rules.enumerated().map { ("telemetry.rules[\($0.offset)]", $0.element) }
        let profiled = mapping.profiles.enumerated().flatMap { p in
            p.element.rules.enumerated().map { ("telemetry.profiles[\(p.offset)].rules[\($0.offset)]", $0.element) }
        }
        for (path, rule) in general + profiled where !categoryKeys.contains(rule.category) {
            unknown("\(path).category", "category", rule.category, categoryKeys, "declare it under categories first")
        }
    }

    mutating func checkJurisdictions() {
        for (i, j) in declaration.jurisdictions.enumerated() {
            let path = "jurisdictions[\(i)]"
            if j.extensionNotice > j.requestDeadline {
                report("\(path).extensionNotice", "extensionNotice (\(j.extensionNotice) days) must not be later than requestDeadline (\(j.requestDeadline) days)")
            }
            if !(13...18).contains(j.ageOfConsent) {
                report("\(path).ageOfConsent", "ageOfConsent \(j.ageOfConsent) is outside 13–18")
            }
            if j.requestDeadline <= 0 {
                report("\(path).requestDeadline", "requestDeadline must be a positive number (counted in \(j.deadlineUnit.rawValue))")
            }
            if j.extension < 0 { report("\(path).extension", "extension must be 0 (none) or a positive number") }
            if j.deadlineUnit == .months, j.requestDeadline + j.extension > 12 {
                report("\(path).requestDeadline", "requestDeadline plus extension is \(j.requestDeadline + j.extension) months; no law allows more than a year (did you mean deadlineUnit: days?)")
            }
            if let ack = j.acknowledgementBusinessDays, ack <= 0 {
                report("\(path).acknowledgementBusinessDays", "acknowledgementBusinessDays must be a positive number of business days")
            }
            for (k, country) in (j.countries ?? []).enumerated() where !(country.count == 2 && country.allSatisfy { $0.isUppercase && $0.isASCII }) {
                report("\(path).countries[\(k)]", "'\(country)' is not an ISO 3166 country code such as DE")
            }
        }
        if !declaration.jurisdictions.isEmpty, !declaration.jurisdictions.contains(where: { $0.code == "OTHER" }) {
            report("jurisdictions", "declare a jurisdiction with code OTHER for people no other rule covers")
        }
    }

    mutating func checkRights() {
        for (i, right) in declaration.rights.enumerated() where !right.page.isEmpty && !right.page.hasPrefix("/account") {
            report("rights[\(i)].page", "page '\(right.page)' must be a path under /account/ where a signed-in person exercises the right")
        }
    }

    mutating func checkChangeLog() {
        for (i, change) in declaration.changeLog.enumerated() {
            if change.narrowsRights, !change.acceptedByExplicitConsent {
                report(
                    "changeLog[\(i)].narrowsRights",
                    "change \(change.version) narrows a right; that is refused unless acceptedByExplicitConsent is true and each person's explicit consent is collected (promise MS-23)")
            }
            if !change.date.isEmpty, !Durations.isDate(change.date) {
                report("changeLog[\(i)].date", "date '\(change.date)' must be written YYYY-MM-DD")
            }
        }
        if let newest = declaration.changeLog.indices.max(by: { declaration.changeLog[$0].date < declaration.changeLog[$1].date }),
            !declaration.version.isEmpty, declaration.changeLog[newest].version != declaration.version
        {
            report(
                "changeLog[\(newest)].version",
                "the newest change-log entry is version \(declaration.changeLog[newest].version) but the declaration is version \(declaration.version); add an entry for \(declaration.version)")
        }
    }

    mutating func checkArt1314() {
        // Safeguards and legitimate interests are already reported per recipient and per purpose, at their lines.
        let coveredElsewhere: Set<Art1314Checklist.Item> = [.transfers, .legitimateInterests]
        for item in Art1314Checklist.Item.allCases where !coveredElsewhere.contains(item) {
            if !Art1314Checklist.isPresent(item, in: declaration) {
                report(item.declarationPath, "the policy would lack '\(item.title)' (GDPR Art. 13/14): \(item.hint)")
            }
        }
    }
}
