import Foundation
import StewardPrivacy
import StewardStore

/// What the `retention` template shows a system administrator: per declared category, its period, what happens then
/// and what a run would delete now (from a dry run), and the last recorded runs, in words and readable times rather
/// than ISO durations and epoch milliseconds.
enum RetentionPage {
    /// How many `retention.run` entries the page lists.
    static let runLimit = 20

    static func data(report: RetentionReport?, runs: [AuditEntry], declaration: PrivacyDeclaration) -> [String: Any] {
        var data: [String: Any] = [
            "hasReport": report != nil,
            "runs": runs.map { run($0, declaration: declaration) },
            "hasRuns": !runs.isEmpty,
            "runLimit": runLimit,
        ]
        if let report {
            data["counted"] = time(report.time)
            data["countedISO"] = iso(report.time)
            data["categories"] = categories(report, declaration: declaration)
            data["waiting"] = records(report.affected)
            data["nothingWaiting"] = report.affected == 0
        }
        return data
    }

    /// One table row per category: rows of the same category (its kinds of records, its roll-ups) added together.
    /// The categories a run sweeps come first, then those not swept yet, then those kept for the account's lifetime,
    /// each in the declaration's order.
    static func categories(_ report: RetentionReport, declaration: PrivacyDeclaration) -> [[String: Any]] {
        var order: [String] = []
        var groups: [String: [RetentionReport.Row]] = [:]
        for row in report.rows {
            if groups[row.category] == nil { order.append(row.category) }
            groups[row.category, default: []].append(row)
        }
        func rank(_ rows: [RetentionReport.Row]) -> Int {
            guard rows.allSatisfy({ $0.note != nil }) else { return 0 }
            return rows[0].period == Durations.accountLifetime ? 2 : 1
        }
        let ranked = order.enumerated().sorted { (rank(groups[$0.element]!), $0.offset) < (rank(groups[$1.element]!), $1.offset) }
        return ranked.map { _, key in
            let rows = groups[key]!
            let first = rows[0]
            let rule = declaration.retention.first { $0.category == key }
            let counted = rows.compactMap(\.affected)
            let oldest = rows.compactMap(\.oldest).min()
            var row: [String: Any] = [
                "key": key, "keyHTML": breakable(key), "name": first.categoryName, "period": periodWords(rule?.period ?? first.period),
                "then": rule?.outcomeWords ?? first.rule.rawValue,
            ]
            if let hold = rows.lazy.compactMap(\.legalHold).first { row["hold"] = hold }
            if let note = rows.lazy.compactMap(\.note).first, counted.isEmpty {
                row["note"] = note
            } else {
                let waiting = counted.reduce(0, +)
                row["waiting"] = number(waiting)
                row["nothingWaiting"] = waiting == 0
                row["oldest"] = oldest.map { age(report.time - $0) } ?? "none left"
                row["oldestTime"] = oldest.map(time) ?? ""
                let kinds = rows.compactMap { row in row.records.map { (recordWords($0), row.affected ?? 0) } }
                // Each kind's share only when there is something to share out.
                if kinds.count > 1, waiting > 0 {
                    row["records"] = kinds.map { "\($0.0) \(number($0.1))" }.joined(separator: " · ")
                } else if !kinds.isEmpty {
                    row["records"] = kinds.map(\.0).joined(separator: ", ")
                }
            }
            return row
        }
    }

    /// One recorded run: when, who, and what it deleted (only the lines that deleted something).
    static func run(_ entry: AuditEntry, declaration: PrivacyDeclaration) -> [String: Any] {
        let lines = RetentionRunLine.lines(of: entry.event.detail)
        let deleted = lines.filter { $0.affected > 0 }
        return [
            "time": time(entry.event.time), "timeISO": iso(entry.event.time), "who": who(entry.event.credential),
            "total": number(lines.reduce(0) { $0 + $1.affected }), "totalWords": records(lines.reduce(0) { $0 + $1.affected }),
            "lines": deleted.map { line in
                [
                    "name": declaration.category(line.category)?.name ?? line.category, "key": line.category,
                    "keyHTML": breakable(line.category),
                    "records": recordWords(line.records), "affected": number(line.affected),
                ]
            },
            "hasLines": !deleted.isEmpty,
            // An entry whose lines could not be read is shown as written.
            "raw": deleted.isEmpty ? entry.event.detail : "",
        ]
    }

    /// Who ran it: the server's hourly job (`retention`), the command (`cli`), else the credential as recorded.
    static func who(_ credential: String?) -> String {
        switch credential {
        case "retention": return "hourly job"
        case "cli": return "command line"
        case let other?: return other
        case nil: return "unknown"
        }
    }

    /// How old a record is, in the largest unit that reads naturally: `under a minute`, `17 minutes`, `3 hours`
    /// (up to two days), `92 days`, and past two years `800 days (about 2 years)`.
    static func age(_ millis: Int64) -> String {
        let seconds = max(0, millis / 1_000)
        func plural(_ count: Int64, _ unit: String) -> String { "\(number(Int(count))) \(unit)\(count == 1 ? "" : "s")" }
        if seconds < 60 { return "under a minute" }
        if seconds < 3_600 { return plural(seconds / 60, "minute") }
        if seconds < 172_800 { return plural(seconds / 3_600, "hour") }
        let days = seconds / 86_400
        if days < 730 { return plural(days, "day") }
        return "\(plural(days, "day")) (about \(days / 365) years)"
    }

    /// A period in words (`P90D` → `90 days`); the storage lifetimes' seconds (`PT604800S`) in whole days or hours
    /// when they are that, and the account's lifetime as an administrator reads it.
    static func periodWords(_ period: String) -> String {
        if period == Durations.accountLifetime { return "the account's lifetime" }
        if period.hasPrefix("PT"), period.hasSuffix("S"), let seconds = Int(period.dropFirst(2).dropLast()), seconds > 0 {
            if seconds % 86_400 == 0 { return Durations.words("P\(seconds / 86_400)D") }
            if seconds % 3_600 == 0 { return Durations.words("PT\(seconds / 3_600)H") }
        }
        return Durations.words(period)
    }

    /// Record kinds whose words are not just their name split at capitals.
    static let recordNames = ["signIns": "sign-ins", "oneTimeTokens": "one-time links and codes", "apiKeyAddress": "API key address"]

    /// A record kind in words: `signIns` → `sign-ins`, `closedRequests` → `closed requests`.
    static func recordWords(_ records: String) -> String {
        if let name = recordNames[records] { return name }
        var words = ""
        for character in records {
            if character.isUppercase, !words.isEmpty, words.last != " " {
                words.append(" ")
            }
            words.append(contentsOf: character.lowercased())
        }
        return words
    }

    /// `7 Dec 2026, 11:00 UTC`.
    static func time(_ millis: Int64) -> String {
        ConsoleFormat.formatted(millis, "d MMM yyyy, HH:mm 'UTC'")
    }

    /// `2026-12-07T11:00:00Z`, for `<time datetime>`.
    static func iso(_ millis: Int64) -> String { ConsoleFormat.iso(millis) }

    /// `1 record`, `12,345 records`.
    static func records(_ count: Int) -> String {
        "\(number(count)) record\(count == 1 ? "" : "s")"
    }

    /// A category key as HTML that a narrow column may break after its dots (`user.<wbr>account.<wbr>…`) rather than
    /// inside a word.
    static func breakable(_ key: String) -> String {
        key.split(separator: ".", omittingEmptySubsequences: false).map { part in
            part.map { character -> String in
                switch character {
                case "&": return "&amp;"
                case "<": return "&lt;"
                case ">": return "&gt;"
                case "\"": return "&quot;"
                case "'": return "&#39;"
                default: return String(character)
                }
            }.joined()
        }.joined(separator: ".<wbr>")
    }

    /// `12,345`.
    static func number(_ value: Int) -> String {
        StatisticsPage.format(Double(value))
    }
}
