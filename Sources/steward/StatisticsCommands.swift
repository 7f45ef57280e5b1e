import ArgumentParser
import Foundation
import StewardCore
import StewardPrivacy
import StewardServer
import StewardStore

struct StatisticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statistics", abstract: "Publish the declaration's public statistics (/stats), or show what is published.",
        subcommands: [StatisticsPublishCommand.self, StatisticsShowCommand.self])
}

/// `steward statistics publish`: what the server's hourly job does, now: releases every complete UTC day not yet
/// released, once and for good.
struct StatisticsPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Release every complete UTC day not yet published; groups below the declared minimum are suppressed for good.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let run = try await steward.statistics.publish(now: WallClock.nowMillis())
        let days = run.days.map(PublicStatistics.dayString)
        let json = JSONValue.object([
            JSONMember("days", .array(days.map(JSONValue.string))),
            JSONMember("published", .number(String(run.published))),
            JSONMember("suppressed", .number(String(run.suppressed))),
        ])
        let text =
            days.isEmpty
            ? "Nothing to publish: every complete day is already published (or no statistics are declared)."
            : "Published \(days.count) day(s), \(days.first ?? "") to \(days.last ?? ""): \(run.published) group(s) shown, \(run.suppressed) suppressed (too few devices)."
        Output.print(json, asJSON: common.json, text: text)
    }
}

/// `steward statistics show`: the published figures, as `/stats.json` has them.
struct StatisticsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print what /stats.json publishes.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let rows = try await steward.statistics.published(now: WallClock.nowMillis())
        let text = rows.compactMap { row -> String? in
            guard let f = row.figures else { return nil }
            return "\(PublicStatistics.dayString(row.day))  \(row.category)  \(row.key)  devices \(f.devices)  readings \(f.readings)  total \(f.total)  average \(f.average)"
        }
        Output.print(
            PublicStatistics.json(rows, declaration: steward.privacy), asJSON: common.json,
            text: text.isEmpty ? "Nothing published yet." : text.joined(separator: "\n"))
    }
}
