import Testing
import StewardCore
import StewardStore

@testable import StewardWeb

/// The console's one formatter: times as people read them, roles, states, audit events and credentials in words.
@Suite struct ConsoleFormatTests {
    /// 2026-12-07T14:05:00Z.
    let at: Int64 = 1_796_652_300_000

    @Test func relativeTimesReadNaturally() {
        #expect(ConsoleFormat.relative(at, now: at + 10_000) == "just now")
        #expect(ConsoleFormat.relative(at, now: at + 60_000) == "1 minute ago")
        #expect(ConsoleFormat.relative(at, now: at + 3 * 60_000) == "3 minutes ago")
        #expect(ConsoleFormat.relative(at, now: at + 5 * 3_600_000) == "5 hours ago")
        #expect(ConsoleFormat.relative(at, now: at + 30 * 3_600_000) == "yesterday")
        #expect(ConsoleFormat.relative(at, now: at + 12 * 86_400_000) == "12 days ago")
        #expect(ConsoleFormat.relative(at, now: at + 90 * 86_400_000) == "7 Dec 2026")
        #expect(ConsoleFormat.relative(at + 4 * 60_000, now: at) == "in 4 minutes")
    }

    @Test func absoluteTimesAreUTCWithAMonthName() {
        #expect(ConsoleFormat.absolute(at) == "7 Dec 2026 14:05 UTC")
        #expect(ConsoleFormat.iso(at) == "2026-12-07T14:05:00Z")
        #expect(ConsoleFormat.readable(at, now: at + 3 * 60_000) == "3 minutes ago (7 Dec 2026 14:05 UTC)")
        #expect(ConsoleFormat.moment(at, now: at) == ["relative": "just now", "absolute": "7 Dec 2026 14:05 UTC", "iso": "2026-12-07T14:05:00Z"])
    }

    @Test func rolesStatesEventsAndCredentialsInWords() {
        #expect(ConsoleFormat.role(.tenantAdmin) == "Tenant administrator")
        #expect(ConsoleFormat.role(.systemAdmin) == "System administrator")
        #expect(ConsoleFormat.status(.awaitingEmail) == "Waiting for email confirmation")
        #expect(ConsoleFormat.event("account.confirmed-by-admin") == "Account: confirmed by an administrator")
        #expect(ConsoleFormat.event("api-key.created") == "API key: created")
        #expect(ConsoleFormat.event("sign-in.success") == "Sign-in: success")
        #expect(ConsoleFormat.credential("session:0b6f3c1e-1111-2222-3333-444455556666") == "signed-in session")
        #expect(ConsoleFormat.credential("api-key:abc") == "application key")
        #expect(ConsoleFormat.credential("cli") == "command line")
    }

    @Test func yourDataRecordsReadAsWords() {
        #expect(ReadableRecords.header("email_verified_time") == "Email verified")
        #expect(ReadableRecords.header("new_place") == "New place")
        #expect(ReadableRecords.cell("1", column: "new_place", meaning: "1 if the network or client was new", now: at) == "yes")
        #expect(ReadableRecords.cell("\(at)", column: "created_time", meaning: "When (Unix ms)", now: at + 60_000) == "1 minute ago (7 Dec 2026 14:05 UTC)")
        #expect(ReadableRecords.cell("TENANT_ADMIN", column: "authority", meaning: "Your role", now: at) == "Tenant administrator")
        #expect(ReadableRecords.cell("awaiting-email", column: "status", meaning: "", now: at) == "Waiting for email confirmation")
    }
}
