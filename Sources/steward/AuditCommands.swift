import ArgumentParser
import Foundation
import StewardAuth
import StewardServer
import StewardStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail.", subcommands: [AuditVerifyCommand.self])
}

/// `steward audit verify`: walks the hash chain and names the first entry that was changed or removed.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify the audit trail's hash chain; exits 1 and names the first bad entry if it was tampered with.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let steward = try await common.open()
        let result = try await steward.auditTrail.verify()
        let (intact, message): (Bool, String)
        switch result {
        case .intact(let entries):
            (intact, message) = (true, "Audit trail intact: \(entries) entries")
        case .changed(let sequence):
            (intact, message) = (false, "Audit trail broken: entry #\(sequence) was changed (its hash does not match its contents)")
        case .removed(let sequence):
            (intact, message) = (false, "Audit trail broken: entry #\(sequence) was removed (the chain skips from #\(sequence - 1))")
        case .relinked(let sequence):
            (intact, message) = (
                false,
                "Audit trail broken: entry #\(sequence) does not link to entry #\(sequence - 1) (entry #\(sequence - 1) was rewritten, or entries replaced)"
            )
        case .anchorUnproven(let sequence):
            (intact, message) = (
                false,
                "Audit trail broken: it starts after entry #\(sequence), but no audit.pruned entry vouches for that start (entries were removed outside retention)"
            )
        }
        if common.json {
            print("{\"intact\":\(intact),\"message\":\"\(message)\"}")
        } else {
            print(message)
        }
        if !intact { throw ExitCode(1) }
    }
}
