import ArgumentParser
import Foundation
import StewardCore
import StewardPrivacy
import StewardServer

struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "Mail account holders.", subcommands: [MailAnnounceCommand.self])
}

/// `steward mail announce`: a feature announcement to the account holders who opted in to news, queued in the
/// outbox (a running server delivers it within seconds). At most one every 30 days.
struct MailAnnounceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "announce",
        abstract: "Queue a news mail to every account holder who consented to it; each carries a one-click unsubscribe.")

    @OptionGroup var common: CommonOptions
    @Option(help: "The subject line.") var subject: String
    @Option(help: "The text of the mail.") var text: String?
    @Option(help: "A file holding the text of the mail (plain text).") var textFile: String?

    func run() async throws {
        let body: String
        if let textFile {
            guard let data = FileManager.default.contents(atPath: textFile), let text = String(data: data, encoding: .utf8) else {
                Output.fail("cannot read \(textFile) as UTF-8 text")
            }
            body = text
        } else if let text {
            body = text
        } else {
            Output.fail("give the mail's text with --text or --text-file")
        }
        let steward = try await common.open()
        do {
            let outcome = try await steward.marketing.announce(subject: subject, text: body)
            if common.json {
                print("{\"sent\":\(outcome.sent),\"skipped\":\(outcome.skipped)}")
            } else {
                print("Queued \(outcome.sent) mail(s); \(outcome.skipped) account holder(s) left out because they have not consented to news.")
            }
        } catch let error as StewardError {
            Output.fail(error.message)
        }
    }
}
