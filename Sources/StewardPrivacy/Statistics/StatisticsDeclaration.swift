/// The declaration's `statistics` section: which data categories are published as public aggregates (`/stats`) and
/// how large a group must be before its figures may appear (promise HA-7). Absent, nothing is published.
public struct StatisticsDeclaration: Sendable, Equatable {
    /// One published series: the readings of a category, aggregated per key and per `per`.
    public struct Publication: Sendable, Equatable {
        public var category: String
        /// The period one group covers, as written; only `day` is supported (the validator says so).
        public var per: String

        public init(category: String, per: String = StatisticsDeclaration.day) {
            self.category = category
            self.per = per
        }
    }

    /// The only period supported: one UTC day.
    public static let day = "day"
    /// The group size used when the declaration names none: below it a group says too much about its members.
    public static let defaultMinimumGroupSize = 10

    /// The fewest distinct devices a group needs before any of its figures (or its key) is published.
    public var minimumGroupSize: Int
    public var publish: [Publication]

    public init(minimumGroupSize: Int = StatisticsDeclaration.defaultMinimumGroupSize, publish: [Publication]) {
        self.minimumGroupSize = minimumGroupSize
        self.publish = publish
    }

    /// The categories published, in declaration order, each once.
    public var categories: [String] {
        var seen: Set<String> = []
        return publish.map(\.category).filter { seen.insert($0).inserted }
    }
}
