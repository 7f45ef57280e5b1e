import Foundation

/// The statutory clock of one request: when the answer is due, how far an extension may move it, by when the person
/// must hear of an extension, and by when receipt must be confirmed (promise MB-19).
///
/// Periods run from the start instant and keep its time of day, in UTC, and the day of receipt is not counted
/// (Regulation 1182/71 Art. 3). A period in months ends on the same date of the later month, or on that month's
/// last day when it has no such date: a request received on 31 January is due on 28 (or 29) February. That is the
/// reading of "one month" in Art. 12(3) that Regulation 1182/71 gives and the EDPB follows (Guidelines 01/2022 on
/// the right of access, on timing), and it is why "30 days" is not used for GDPR: 30 days after 31 January is
/// 2 March, already late. Working and business days
/// skip Saturdays and Sundays but not public holidays, which the declaration does not list; the dates shown are
/// therefore never later than the law allows, at worst a holiday early. A deadline falling on a weekend is not
/// pushed to the next working day, for the same reason.
public struct RequestDeadlines: Sendable, Equatable {
    public var start: Int64
    public var due: Int64
    /// The latest date an extension may move the answer to; nil when the jurisdiction allows none.
    public var latestExtendedDue: Int64?
    /// The person must be told of an extension, with its reason, before this and before `due`.
    public var extensionNoticeBy: Int64
    /// Receipt must be confirmed by then (CCPA §7021(a): 10 business days); nil when the jurisdiction sets nothing.
    public var acknowledgeBy: Int64?

    public init(jurisdiction: Jurisdiction, start: Int64) {
        let unit = jurisdiction.deadlineUnit
        self.start = start
        due = Self.adding(jurisdiction.requestDeadline, unit, to: start)
        // The extension runs from the first due date (31 Jan → 28 Feb → 28 Apr, not 30 Apr).
        latestExtendedDue = jurisdiction.extension > 0 ? Self.adding(jurisdiction.extension, unit, to: due) : nil
        extensionNoticeBy = min(Self.adding(jurisdiction.extensionNotice, unit, to: start), due)
        acknowledgeBy = jurisdiction.acknowledgementBusinessDays.map { Self.adding($0, .workingDays, to: start) }
    }

    static let dayMillis: Int64 = 86_400_000

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `start` moved by `count` units. Months are always counted from `start` itself, so three months from
    /// 31 January is 30 April, not 28 April by way of February.
    public static func adding(_ count: Int, _ unit: Jurisdiction.DeadlineUnit, to start: Int64) -> Int64 {
        switch unit {
        case .days:
            return start + Int64(count) * dayMillis
        case .workingDays:
            var time = start
            var left = count
            while left > 0 {
                time += dayMillis
                if !isWeekend(time) { left -= 1 }
            }
            return time
        case .months:
            let date = Date(timeIntervalSince1970: TimeInterval(start) / 1000)
            guard let moved = utc.date(byAdding: .month, value: count, to: date) else {
                return start + Int64(count) * 31 * dayMillis
            }
            return Int64((moved.timeIntervalSince1970 * 1000).rounded())
        }
    }

    /// True on Saturdays and Sundays (UTC).
    public static func isWeekend(_ time: Int64) -> Bool {
        let weekday = utc.component(.weekday, from: Date(timeIntervalSince1970: TimeInterval(time) / 1000))
        return weekday == 1 || weekday == 7
    }

    /// Whole days from `now` until `due`, rounded away from zero: due in three hours is 1, three hours late is -1.
    public static func daysLeft(until due: Int64, now: Int64) -> Int {
        let difference = due - now
        if difference >= 0 { return Int((difference + dayMillis - 1) / dayMillis) }
        return -Int((-difference + dayMillis - 1) / dayMillis)
    }
}
