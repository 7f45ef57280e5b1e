import ArgumentParser
import Foundation
import StewardCore
import StewardServer
import StewardStore

/// `steward retention ttl`: how long readings of a tenant's devices, or of one device profile, are kept, whatever their
/// category's period (the shorter one wins). ThingsBoard keeps the same setting in the tenant profile
/// (`defaultStorageTtlDays`) and a device's `TTL` attribute.
struct StorageTTLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ttl",
        abstract: "Show, set or clear the storage TTL of a tenant's readings or of one device profile's.",
        discussion: """
            Without --seconds, --days or --clear it lists every TTL set. Readings older than the TTL go at the next
            retention run, or earlier when their category's declared period ends first.
            """)

    @Option(help: "Tenant id or name.") var tenant: String?
    @Option(help: "Device profile name in the tenant (without it, the TTL covers every device of the tenant).") var profile: String?
    @Option(help: "Keep readings this many seconds.") var seconds: Int64?
    @Option(help: "Keep readings this many days.") var days: Int64?
    @Flag(help: "Remove the TTL: readings are kept as the declaration says.") var clear = false
    @OptionGroup var common: CommonOptions

    func validate() throws {
        let changes = [seconds != nil, days != nil, clear].filter { $0 }.count
        guard changes <= 1 else { throw ValidationError("Give one of --seconds, --days or --clear") }
        if changes == 1, tenant == nil { throw ValidationError("--tenant is required to set or clear a TTL") }
        if profile != nil, tenant == nil { throw ValidationError("--profile needs --tenant") }
        if let days, !(1...StorageTTL.maximumSeconds / 86_400).contains(days) {
            throw ValidationError("--days must be from 1 to \(StorageTTL.maximumSeconds / 86_400), not \(days)")
        }
    }

    func run() async throws {
        let steward = try await common.open()
        guard seconds != nil || days != nil || clear else {
            let ttls = try await steward.store.storageTTLs()
            Output.print(
                .array(ttls.map(Self.json)), asJSON: common.json,
                text: ttls.isEmpty
                    ? "No storage TTL is set: readings are kept as the privacy declaration says."
                    : ttls.map { "\($0.scope.kind) \($0.name): \(Self.words($0.seconds))" }.joined(separator: "\n"))
            return
        }
        let owner = try await Resolver(steward: steward).tenant(tenant!)
        var scope = StorageTTLScope.tenant(owner.id)
        var name = owner.name
        if let profile {
            guard let found = try await steward.store.profile(tenant: owner.id, named: profile) else {
                throw ValidationError("Tenant \(owner.name) has no device profile named '\(profile)'")
            }
            scope = .profile(found.id)
            name = found.name
        }
        let value = clear ? nil : seconds ?? days.map { $0 * 86_400 }
        do {
            try await steward.store.setStorageTTL(scope, tenant: owner.id, seconds: value)
        } catch let error as StewardError where error.kind == .badRequest {
            throw ValidationError(error.message)
        }
        let text = value.map { "Readings of \(scope.kind) \(name) are kept \(Self.words($0))" } ?? "Cleared the storage TTL of \(scope.kind) \(name)"
        Output.print(
            .object([
                JSONMember("kind", .string(scope.kind)), JSONMember("name", .string(name)),
                JSONMember("seconds", value.map { .number(String($0)) } ?? .null),
            ]), asJSON: common.json, text: text)
    }

    static func json(_ ttl: StorageTTL) -> JSONValue {
        .object([
            JSONMember("kind", .string(ttl.scope.kind)), JSONMember("id", .string(ttl.scope.id)),
            JSONMember("name", .string(ttl.name)), JSONMember("seconds", .number(String(ttl.seconds))),
        ])
    }

    /// "90 days" when whole days, else seconds.
    static func words(_ seconds: Int64) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")" : "\(seconds) s"
    }
}
