import ArgumentParser
import Foundation
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardServer
import StewardStore

/// `steward dsr list`: the operator's queue of open data-subject requests across tenants, the earliest due first,
/// with what is late or due soon, the same as the console's Requests page for a system administrator.
struct DSRListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List open data-subject requests by due date, flagging late and soon-due ones.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let service = steward.rights.requests
        let queue = try await service.queue(scope: .all)
        let json = JSONValue.array(
            queue.map { item in
                .object([
                    JSONMember("id", .string(item.request.id)), JSONMember("kind", .string(item.request.kind.rawValue)),
                    JSONMember("email", .string(item.request.email)), JSONMember("tenantId", Output.id(item.request.tenantID)),
                    JSONMember("jurisdiction", .string(item.request.jurisdiction)),
                    JSONMember("status", .string(item.request.status.rawValue)),
                    JSONMember("dueTime", .number(String(item.due))), JSONMember("daysLeft", .number(String(item.daysLeft))),
                    JSONMember("late", .bool(item.isLate)), JSONMember("dueSoon", .bool(item.isDueSoon)),
                ])
            })
        Output.print(json, asJSON: common.json, text: text(queue))
    }

    func text(_ queue: [QueuedRequest]) -> String {
        guard !queue.isEmpty else { return "No open requests." }
        return queue.map { item in
            let flag = item.isLate ? "LATE" : item.isDueSoon ? "SOON" : "    "
            return "\(flag) due \(UTCTime.format(item.due)) (\(item.daysLeft) d)  \(item.request.kind.rawValue)  \(item.request.email)  \(item.request.jurisdiction)  \(item.request.status.rawValue)  \(item.request.id)"
        }.joined(separator: "\n")
    }
}
