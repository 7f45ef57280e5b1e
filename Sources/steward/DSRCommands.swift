import ArgumentParser
import Foundation
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardServer
import StewardStore

struct DSRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsr", abstract: "Act on a person's data: export it or erase it (data-subject requests).",
        subcommands: [DSRExportCommand.self, DSREraseCommand.self, DSRListCommand.self])
}

/// Which person a request command acts on.
struct PersonOption: ParsableArguments {
    @Option(help: "The person's account email.") var email: String

    func account(_ steward: Steward) async throws -> UserID {
        guard let account = try await steward.accounts.user(email: email) else {
            Output.fail("no account has the email \(email); check the spelling (an erased account is gone for good)")
        }
        return account.id
    }
}

/// `steward dsr export`: the same archive My Account offers, written to a file with a progress bar.
struct DSRExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write everything held about a person to a ZIP (CSV per kind of record, one JSON, README).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var person: PersonOption
    @Option(help: "The ZIP file to write.") var out: String
    @Flag(help: "Print no progress bar.") var quiet = false

    func run() async throws {
        let steward = try await common.open()
        let user = try await person.account(steward)
        guard FileManager.default.createFile(atPath: out, contents: nil, attributes: [.posixPermissions: 0o600]),
            let file = FileHandle(forWritingAtPath: out)
        else { Output.fail("cannot write \(out)") }
        defer { try? file.close() }
        let bar = ProgressBar(label: "Exporting readings", quiet: quiet)
        let started = Date()
        var bytes = 0
        guard let account = try await steward.accounts.user(id: user) else { Output.fail("the account is gone") }
        let extra = try await steward.rights.requestTables(for: account)
        try await steward.rights.export.write(for: user, extraTables: extra, progress: { done, total in bar.update(done, total) }) { chunk in
            bytes += chunk.count
            file.write(Data(chunk))
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        if common.json {
            print("{\"file\":\(JSONValue.quoted(out)),\"bytes\":\(bytes),\"seconds\":\(String(format: "%.3f", seconds))}")
        } else {
            print("Wrote \(out): \(bytes) bytes in \(String(format: "%.2f", seconds)) s")
        }
    }
}

/// `steward dsr erase`: erases a person as Delete Account does, for requests handled by staff and for system
/// administrators, and prints the receipt.
struct DSREraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase a person's account and personal data; prints the receipt (JSON).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var person: PersonOption
    @Flag(help: "Confirm the erasure; it cannot be undone.") var yes = false

    func run() async throws {
        guard yes else { Output.fail("erasure cannot be undone; add --yes to confirm") }
        let steward = try await common.open()
        let user = try await person.account(steward)
        do {
            let outcome = try await steward.rights.eraser.erase(user, actor: "cli")
            print(outcome.receipt.body)
        } catch let error as StewardError {
            Output.fail(error.message)
        }
        steward.writer.shutdown()
    }
}

/// A one-line progress bar on standard error, redrawn at most once per percent.
final class ProgressBar: @unchecked Sendable {
    let label: String
    let quiet: Bool
    var lastPercent = -1

    init(label: String, quiet: Bool) {
        self.label = label
        self.quiet = quiet || isatty(STDERR_FILENO) == 0
    }

    func update(_ done: Int, _ total: Int) {
        guard !quiet, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let line = "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(percent)% (\(done)/\(total))"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if !quiet, lastPercent >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
