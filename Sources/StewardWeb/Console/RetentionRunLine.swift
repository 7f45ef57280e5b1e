import StewardPrivacy

/// One line of a `retention.run` audit entry's detail, as `RetentionReport.auditDetail` writes it:
/// `<category> <records> <rule> <period> affected=<n> oldest=<ms|->[ hold]`.
///
/// Category keys of storage lifetimes (`tenant TTL: <name>`), some record kinds (`hourly totals`) and some periods
/// (`per reading`) contain spaces, so the line is read from both ends: the counts at the end, the rule as the last
/// outcome word before them, the period between the two, and the records as the last word (or known pair of words)
/// before the rule.
struct RetentionRunLine: Equatable {
    var category: String
    var records: String
    var rule: RetentionRule.Outcome
    var period: String
    var affected: Int
    /// The oldest record left after the run (ms); nil when none was left.
    var oldest: Int64?
    /// True when a legal duty keeps the category's records past an erasure request.
    var legalHold: Bool

    /// Record kinds written as two words; every other kind is one word.
    static let twoWordRecords: Set<String> = ["hourly totals", "daily totals"]

    /// The parsed line, or nil when it does not have the shape above.
    init?(_ line: Substring) {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        legalHold = words.last == "hold"
        if legalHold { words.removeLast() }
        guard let oldestWord = words.popLast(), oldestWord.hasPrefix("oldest="),
            let affectedWord = words.popLast(), affectedWord.hasPrefix("affected="),
            let affected = Int(affectedWord.dropFirst("affected=".count)), affected >= 0
        else { return nil }
        let oldestValue = oldestWord.dropFirst("oldest=".count)
        if oldestValue == "-" {
            oldest = nil
        } else if let value = Int64(oldestValue) {
            oldest = value
        } else {
            return nil
        }
        // The periods never contain an outcome word, so the last one is the rule.
        guard let ruleIndex = words.lastIndex(where: { RetentionRule.Outcome(rawValue: $0) != nil }), ruleIndex + 1 < words.count,
            let rule = RetentionRule.Outcome(rawValue: words[ruleIndex])
        else { return nil }
        var head = Array(words[..<ruleIndex])
        let pair = head.suffix(2).joined(separator: " ")
        let recordWords = head.count >= 3 && Self.twoWordRecords.contains(pair) ? 2 : 1
        guard head.count > recordWords else { return nil }
        records = head.suffix(recordWords).joined(separator: " ")
        head.removeLast(recordWords)
        category = head.joined(separator: " ")
        self.rule = rule
        period = words[(ruleIndex + 1)...].joined(separator: " ")
        self.affected = affected
    }

    /// Every line of an entry's detail that could be read; lines that could not are left out.
    static func lines(of detail: String) -> [RetentionRunLine] {
        detail.split(whereSeparator: \.isNewline).compactMap { RetentionRunLine($0) }
    }
}
