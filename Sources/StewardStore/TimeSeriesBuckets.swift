import StewardCore

/// The buckets of an aggregated history query, filled from two sources: what the database aggregated itself (plain
/// readings, one row per bucket) and readings the store opened one by one (sealed readings, which no database can
/// add up). Every backend turns its answer into the same points through here, so AVG, MIN, MAX, SUM and COUNT mean
/// the same whatever stored the readings and however they were sealed.
public struct TimeSeriesBuckets: Sendable {
    /// One bucket's running totals.
    public struct Bucket: Sendable, Equatable {
        /// Readings of any type.
        public var count: Int64 = 0
        /// Readings that are numbers (long or double).
        public var numericCount: Int64 = 0
        /// Whether any of them was a double: then SUM, MIN and MAX answer doubles, as ThingsBoard does.
        public var sawDouble = false
        public var total: Number? = nil
        public var low: Number? = nil
        public var high: Number? = nil

        public init(
            count: Int64 = 0, numericCount: Int64 = 0, sawDouble: Bool = false, total: Number? = nil, low: Number? = nil,
            high: Number? = nil
        ) {
            self.count = count
            self.numericCount = numericCount
            self.sawDouble = sawDouble
            self.total = total
            self.low = low
            self.high = high
        }

        /// Adds one reading.
        public mutating func add(_ value: KVValue) {
            count += 1
            let number: Number
            switch value {
            case .long(let l): number = .long(l)
            case .double(let d):
                number = .double(d)
                sawDouble = true
            default: return
            }
            numericCount += 1
            merge(total: number, low: number, high: number)
        }

        /// Adds another bucket's totals (the database's aggregate of the same interval).
        public mutating func add(_ other: Bucket) {
            count += other.count
            numericCount += other.numericCount
            sawDouble = sawDouble || other.sawDouble
            merge(total: other.total, low: other.low, high: other.high)
        }

        mutating func merge(total: Number?, low: Number?, high: Number?) {
            if let total { self.total = self.total.map { $0 + total } ?? total }
            if let low { self.low = self.low.map { $0.double <= low.double ? $0 : low } ?? low }
            if let high { self.high = self.high.map { $0.double >= high.double ? $0 : high } ?? high }
        }

        /// The bucket's value for `aggregation`; nil when it has no number to answer with.
        public func value(_ aggregation: Aggregation) -> KVValue? {
            switch aggregation {
            case .count: return .long(count)
            case .avg: return numericCount > 0 ? total.map { .double($0.double / Double(numericCount)) } : nil
            case .sum: return numericCount > 0 ? total.map(typed) : nil
            case .min: return numericCount > 0 ? low.map(typed) : nil
            case .max: return numericCount > 0 ? high.map(typed) : nil
            case .none: return nil
            }
        }

        func typed(_ number: Number) -> KVValue {
            if !sawDouble, case .long(let l) = number { return .long(l) }
            return .double(number.double)
        }
    }

    /// A sum, minimum or maximum: exact while every reading is a long, a double from the first double (or overflow) on.
    public enum Number: Sendable, Equatable {
        case long(Int64)
        case double(Double)

        public var double: Double {
            switch self {
            case .long(let l): return Double(l)
            case .double(let d): return d
            }
        }

        static func + (a: Number, b: Number) -> Number {
            if case .long(let x) = a, case .long(let y) = b {
                let (sum, overflow) = x.addingReportingOverflow(y)
                if !overflow { return .long(sum) }
            }
            return .double(a.double + b.double)
        }
    }

    public let query: TimeSeriesQuery
    /// The bucket width in milliseconds: the query's interval, or the whole range when it asked for one bucket.
    public let interval: Int64
    public private(set) var buckets: [Int64: Bucket] = [:]

    public init(_ query: TimeSeriesQuery) {
        self.query = query
        interval = query.interval > 0 ? query.interval : max(query.endTs - query.startTs, 1)
    }

    /// The bucket a reading at `ts` falls into (counted from the query's start).
    public func bucket(of ts: Int64) -> Int64 {
        (ts - query.startTs) / interval
    }

    /// Adds the database's aggregate of one bucket.
    public mutating func add(_ totals: Bucket, bucket: Int64) {
        buckets[bucket, default: Bucket()].add(totals)
    }

    /// Adds one reading the store opened itself.
    public mutating func add(_ value: KVValue, at ts: Int64) {
        buckets[bucket(of: ts), default: Bucket()].add(value)
    }

    /// The points, as ThingsBoard reports them: each bucket's timestamp is its middle, clamped to the query's end;
    /// empty buckets and buckets without a value for the aggregation are left out; in the query's order.
    public func points() -> [TimeSeriesPoint] {
        var points: [TimeSeriesPoint] = []
        for (index, bucket) in buckets.sorted(by: { $0.key < $1.key }) {
            guard let value = bucket.value(query.aggregation) else { continue }
            let start = query.startTs + index * interval
            let end = min(start + interval, query.endTs)
            points.append(TimeSeriesPoint(ts: start + (end - start) / 2, value: value))
        }
        return query.ascending ? points : points.reversed()
    }
}
