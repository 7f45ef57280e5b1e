import Foundation
import StewardPrivacy
import Testing

/// The `statistics` section: declared non-sensitive categories, per day, a minimum group size of at least 2
/// (default 10), each mistake reported with its line; the policy says what is published and from which group size.
@Suite struct StatisticsDeclarationTests {
    static func yaml(_ section: String) -> String { Fixtures.minimalYAML + "\n" + section }

    @Test func aDeclarationWithoutTheSectionPublishesNothing() throws {
        let declaration = try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML)
        #expect(declaration.statistics == nil)
        #expect(PolicyRenderer.html(declaration).contains("We publish no statistics about the readings of devices."))
        #expect(PolicyRenderer.json(declaration).contains("\"statistics\":null"))
    }

    @Test func theMinimumDefaultsToTenAndThePolicyStatesIt() throws {
        let declaration = try PrivacyDeclaration.load(yaml: Self.yaml("statistics:\n  publish:\n    - {category: user.telemetry, per: day}\n"))
        #expect(declaration.statistics == StatisticsDeclaration(minimumGroupSize: 10, publish: [.init(category: "user.telemetry", per: "day")]))
        let html = PolicyRenderer.html(declaration)
        #expect(html.contains("id=\"public-statistics\""))
        #expect(html.contains("at least 10 different devices"))
        #expect(html.contains("<a href=\"/stats\">/stats</a>"))
        #expect(PolicyRenderer.markdown(declaration).contains("| Readings | UTC day | 10 devices |"))
        #expect(
            PolicyRenderer.json(declaration).contains(
                "\"statistics\":{\"minimumGroupSize\":10,\"publish\":[{\"category\":\"user.telemetry\",\"per\":\"day\"}]}"))
    }

    @Test func theBundledDeclarationPublishesEnergyUseFromTenDevices() {
        let statistics = PrivacyDeclaration.bundledDefault.statistics
        #expect(statistics == StatisticsDeclaration(minimumGroupSize: 10, publish: [.init(category: "user.sensor.energy")]))
    }

    @Test(arguments: [
        ("  minimumGroupSize: 1\n", "minimumGroupSize: 1", "minimumGroupSize 1 would publish groups of a single device", "statistics.minimumGroupSize"),
        ("  minimumGroupSize: ten\n", "minimumGroupSize: ten", "'minimumGroupSize' must be a whole number", "statistics.minimumGroupSize"),
        ("  minimumGroupSize: 2.5\n", "minimumGroupSize: 2.5", "'minimumGroupSize' must be a whole number", "statistics.minimumGroupSize"),
    ])
    func aMinimumBelowTwoOrNotAWholeNumberIsRefused(_ line: String, _ needle: String, _ message: String, _ path: String) throws {
        let yaml = Self.yaml("statistics:\n" + line + "  publish:\n    - {category: user.telemetry, per: day}\n")
        let issue = try #require(Fixtures.issue(message, in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: needle, in: yaml))
        #expect(issue.path == path)
    }

    @Test func aSensitiveCategoryIsRefused() throws {
        let yaml = Self.yaml("statistics:\n  publish:\n    - {category: user.location.precise, per: day}\n")
        let issue = try #require(Fixtures.issue("statistics category 'user.location.precise' is sensitive", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "user.location.precise, per: day", in: yaml))
        #expect(issue.path == "statistics.publish[0].category")
    }

    @Test func anUndeclaredCategoryGetsASuggestion() throws {
        let yaml = Self.yaml("statistics:\n  publish:\n    - {category: user.telemetri, per: day}\n")
        let issue = try #require(Fixtures.issue("statistics category 'user.telemetri' is not declared", in: Fixtures.issues(yaml)))
        #expect(issue.message.contains("did you mean 'user.telemetry'?"))
        #expect(issue.line == Fixtures.line(of: "user.telemetri,", in: yaml))
    }

    @Test func onlyPerDayIsSupported() throws {
        let yaml = Self.yaml("statistics:\n  publish:\n    - category: user.telemetry\n      per: week\n")
        let issue = try #require(Fixtures.issue("per 'week' is not supported; statistics are published per day only", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "per: week", in: yaml))
        #expect(issue.path == "statistics.publish[0].per")
    }

    @Test func missingFieldsDuplicatesAndUnknownFieldsAreReported() throws {
        let yaml = Self.yaml(
            "statistics:\n  minimumGroupsize: 12\n  publish:\n    - {category: user.telemetry}\n    - {category: user.telemetry, per: day}\n")
        let issues = Fixtures.issues(yaml)
        let unknown = try #require(Fixtures.issue("unknown field 'minimumGroupsize'; did you mean 'minimumGroupSize'?", in: issues))
        #expect(unknown.line == Fixtures.line(of: "minimumGroupsize", in: yaml))
        let missing = try #require(Fixtures.issue("missing required field 'per'", in: issues))
        #expect(missing.path == "statistics.publish[0].per")
        let twice = try #require(Fixtures.issue("is listed twice", in: issues))
        #expect(twice.line == Fixtures.line(of: "{category: user.telemetry, per: day}", in: yaml))
        let empty = try #require(Fixtures.issue("statistics lists nothing to publish", in: Fixtures.issues(Self.yaml("statistics:\n  publish: []\n"))))
        #expect(empty.path == "statistics.publish")
    }
}
