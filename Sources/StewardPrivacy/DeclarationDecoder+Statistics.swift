import Yams

/// The optional `statistics` section: `{minimumGroupSize: 10, publish: [{category: user.sensor.energy, per: day}]}`.
extension DeclarationDecoder {
    static func statistics(_ top: MappingReader, _ sink: IssueSink) -> StatisticsDeclaration? {
        guard let s = top.mapping("statistics", fields: ["minimumGroupSize", "publish"], required: false) else { return nil }
        let publish = s.items("publish").compactMap { item in
            MappingReader(item.node, path: item.path, fields: ["category", "per"], sink: sink).map {
                StatisticsDeclaration.Publication(category: $0.string("category") ?? "", per: $0.string("per") ?? "")
            }
        }
        let minimum = s.int("minimumGroupSize", required: false) ?? StatisticsDeclaration.defaultMinimumGroupSize
        return StatisticsDeclaration(minimumGroupSize: minimum, publish: publish)
    }
}
