import ArgumentParser
import Foundation
import StewardCore
import StewardPrivacy
import StewardServer
import StewardStore

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "Apply the privacy declaration's retention periods, or show where they stand.",
        subcommands: [RetentionRunCommand.self, RetentionStatusCommand.self, StorageTTLCommand.self])
}

/// `steward retention run [--dry-run]`: what the server's hourly job does, now, with a table of what went.
struct RetentionRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Delete every record older than its category's declared period now, and print what went (recorded in the audit trail).")

    @Flag(name: .customLong("dry-run"), help: "Count what would go; delete nothing and record nothing.")
    var dryRun = false

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let report = try await steward.retention.run(dryRun: dryRun, credential: "cli")
        Output.print(RetentionTable.json(report), asJSON: common.json, text: RetentionTable.runText(report))
    }
}

/// `steward retention status`: per category, its period and rule and the age of its oldest record.
struct RetentionStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each category's retention period and the age of its oldest record.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let report = try await steward.retention.run(dryRun: true, credential: "cli")
        Output.print(RetentionTable.json(report), asJSON: common.json, text: RetentionTable.statusText(report))
    }
}

/// The report as the two commands print it.
enum RetentionTable {
    static func json(_ report: RetentionReport) -> JSONValue {
        .object([
            JSONMember("time", .number(String(report.time))),
            JSONMember("dryRun", .bool(report.dryRun)),
            JSONMember("affected", .number(String(report.affected))),
            JSONMember("reclaimedBytes", .number(String(report.reclaimedBytes))),
            JSONMember(
                "rows",
                .array(
                    report.rows.map { row in
                        .object([
                            JSONMember("category", .string(row.category)),
                            JSONMember("name", .string(row.categoryName)),
                            JSONMember("records", row.records.map(JSONValue.string) ?? .null),
                            JSONMember("rule", .string(row.rule.rawValue)),
                            JSONMember("period", .string(row.period)),
                            JSONMember("legalHold", row.legalHold.map(JSONValue.string) ?? .null),
                            JSONMember("affected", row.affected.map { .number(String($0)) } ?? .null),
                            JSONMember("oldest", row.oldest.map { .number(String($0)) } ?? .null),
                            JSONMember("note", row.note.map(JSONValue.string) ?? .null),
                        ])
                    })),
        ])
    }

    static func runText(_ report: RetentionReport) -> String {
        let title =
            "Retention run \(UTCTime.format(report.time))"
            + (report.dryRun ? " (dry run: nothing changed)" : ": \(report.affected.formatted()) records deleted")
        let rows = report.rows.map { row in
            [
                row.category, row.records ?? "-", row.rule.rawValue, row.period, row.legalHold == nil ? "-" : "yes",
                row.affected.map { $0.formatted() } ?? "-", row.note ?? oldest(row.oldest, now: report.time),
            ]
        }
        let space = report.reclaimedBytes > 0 ? "\n\(report.reclaimedBytes.formatted()) bytes of freed space returned to the filesystem" : ""
        return title + "\n" + table(["category", "records", "rule", "period", "hold", report.dryRun ? "would go" : "deleted", "oldest left"], rows)
            + space
    }

    static func statusText(_ report: RetentionReport) -> String {
        let rows = report.rows.map { row in
            [
                row.category, row.records ?? "-", Durations.words(row.period), row.rule.rawValue,
                row.legalHold == nil ? "-" : "yes", row.affected.map { $0.formatted() } ?? "-",
                row.note ?? oldest(row.oldest, now: report.time),
            ]
        }
        return "Retention at \(UTCTime.format(report.time))\n"
            + table(["category", "records", "kept for", "then", "hold", "past due", "oldest record"], rows)
    }

    /// `2026-09-08 (90 days old)`, or `none`.
    static func oldest(_ time: Int64?, now: Int64) -> String {
        guard let time else { return "none" }
        let days = max(0, (now - time) / 86_400_000)
        return "\(String(UTCTime.format(time).prefix(10))) (\(days) day\(days == 1 ? "" : "s") old)"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
