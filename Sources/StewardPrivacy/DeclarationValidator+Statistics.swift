import StewardCore

/// The rules of the `statistics` section: only declared, non-sensitive categories, per day, and a minimum group
/// size that actually hides individuals (at least 2).
extension PrivacyDeclaration {
    func statisticsIssues() -> [DeclarationIssue] {
        guard let statistics else { return [] }
        var issues: [DeclarationIssue] = []
        func report(_ path: String, _ message: String) {
            let at = sourceMap.position(for: path)
            issues.append(DeclarationIssue(line: at.line, column: at.column, path: path, message: message))
        }
        if statistics.minimumGroupSize < 2 {
            report(
                "statistics.minimumGroupSize",
                "minimumGroupSize \(statistics.minimumGroupSize) would publish groups of a single device; use a whole number of at least 2 (default \(StatisticsDeclaration.defaultMinimumGroupSize))"
            )
        }
        if statistics.publish.isEmpty {
            report("statistics.publish", "statistics lists nothing to publish; add an entry such as {category: user.sensor.energy, per: day} or remove the section")
        }
        let known = categories.map(\.key)
        var seen: Set<String> = []
        for (i, entry) in statistics.publish.enumerated() {
            let path = "statistics.publish[\(i)]"
            if !entry.category.isEmpty {
                if category(entry.category) == nil {
                    var message = "statistics category '\(entry.category)' is not declared"
                    if let near = Suggestion.closest(to: entry.category, in: known) { message += "; did you mean '\(near)'?" }
                    else { message += "; declare it under categories first" }
                    report("\(path).category", message)
                } else if let sensitive = categories.first(where: { $0.sensitive && isAncestor($0.key, of: entry.category) }) {
                    report(
                        "\(path).category",
                        "statistics category '\(entry.category)' is sensitive (\(sensitive.key)); sensitive readings are never published, remove the entry"
                    )
                }
                if !seen.insert(entry.category).inserted {
                    report("\(path).category", "statistics category '\(entry.category)' is listed twice; keep one entry")
                }
            }
            if !entry.per.isEmpty, entry.per != StatisticsDeclaration.day {
                report("\(path).per", "per '\(entry.per)' is not supported; statistics are published per day only (per: day)")
            }
        }
        return issues
    }
}
