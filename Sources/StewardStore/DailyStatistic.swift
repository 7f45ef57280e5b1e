/// One day of one key's readings as statistics (count, sum, minimum, maximum): what an erasure keeps of the
/// categories the declaration aggregates. Backends sum plain readings in SQL and add sealed ones opened in Swift.
public struct DailyStatistic: Sendable, Equatable {
    public var count = 0
    public var sum = 0.0
    public var min = Double.infinity
    public var max = -Double.infinity

    public init() {}

    public init(count: Int, sum: Double, min: Double, max: Double) {
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
    }

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        min = Swift.min(min, value)
        max = Swift.max(max, value)
    }
}
