/// The policy's "Public statistics" section: what `/stats` publishes and the smallest group it shows, taken from
/// the declaration's `statistics` section so the text cannot promise less than the code suppresses.
enum PublicStatisticsPolicy {
    /// The public page the section links to.
    static let page = "/stats"

    static func blocks(_ d: PrivacyDeclaration) -> [PolicyBlock] {
        guard let statistics = d.statistics, !statistics.publish.isEmpty else {
            return [PolicyDocument.p("We publish no statistics about the readings of devices.")]
        }
        let minimum = statistics.minimumGroupSize
        return [
            .paragraph([
                .text("We publish, at "), .link(page, href: page),
                .text(
                    ", the number of devices, the number of readings, the total and the average of the readings below, per key and per UTC day, over all devices together. No figure about a single device or person is published: a group appears only when at least \(minimum) different devices sent readings of that key that day; smaller groups are left out entirely, key name included. Minimum and maximum are never published, readings of sensitive categories never, and a day, once published, is never changed."
                ),
            ]),
            .table(
                caption: "What is published", headers: ["Category", "Per", "Published when at least"],
                rows: statistics.publish.map { [PolicyDocument.categoryName(d, $0.category), "UTC \($0.per)", "\(minimum) devices"] }),
        ]
    }
}
