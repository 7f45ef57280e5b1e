import StewardCore
import StewardStore

/// The time range a device page's chart shows and how it is downsampled: the server averages readings into at most
/// `maximumPoints` buckets per key (the same aggregation as REST's `agg=AVG&interval=…`), so a week of readings every
/// second still reaches the browser as a few hundred points.
public struct ChartWindow: Sendable, Equatable {
    public var start: Int64
    public var end: Int64

    /// Buckets per key at most: the store's own limit on intervals per query (`TimeSeriesQuery.maximumIntervals`).
    public static let maximumPoints = TimeSeriesQuery.maximumIntervals
    public static let hour: Int64 = 3_600_000

    /// The named ranges the page offers.
    public enum Range: String, Sendable, CaseIterable {
        case hour, day, week
        public var millis: Int64 {
            switch self {
            case .hour: ChartWindow.hour
            case .day: 24 * ChartWindow.hour
            case .week: 7 * 24 * ChartWindow.hour
            }
        }
    }

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// The window ending now for a named range, or from explicit bounds (ms); refuses an empty, reversed or
    /// out-of-range window with what was wrong.
    public static func parse(range: String?, start: String?, end: String?, now: Int64) throws(StewardError) -> ChartWindow {
        let startText = start ?? "", endText = end ?? ""
        if !startText.isEmpty || !endText.isEmpty {
            guard let from = Int64(startText), let to = Int64(endText), IntegerInput.timestamps.contains(from),
                IntegerInput.timestamps.contains(to)
            else { throw .badRequest("A custom range needs a start and an end time") }
            guard to > from else { throw .badRequest("The end of the range must be after its start") }
            return ChartWindow(start: from, end: to)
        }
        let name = range ?? "hour"
        guard let known = Range(rawValue: name) else {
            throw .badRequest("Unknown range '\(name)': choose hour, day or week, or give a start and an end")
        }
        return ChartWindow(start: max(0, now - known.millis), end: now)
    }

    /// The bucket width: the window split into at most `maximumPoints` buckets, never under one second.
    public var interval: Int64 {
        let span = end - start
        let width = (span + Self.maximumPoints - 1) / Self.maximumPoints
        return max(1_000, width)
    }

    /// The query for `keys`: averaged buckets, oldest first.
    public func query(keys: [String]) -> TimeSeriesQuery {
        TimeSeriesQuery(keys: keys, startTs: start, endTs: end, interval: interval, aggregation: .avg, limit: Int(Self.maximumPoints), ascending: true)
    }
}
