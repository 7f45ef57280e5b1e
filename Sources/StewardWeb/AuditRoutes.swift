import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// `GET /api/audit`: the audit trail of the caller's tenant for its administrators (every tenant for the system
/// administrator); `GET /api/audit/me`: the entries about the caller, including who read their data.
struct AuditRoutes {
    let web: WebContext

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.get("api/audit") { request, context in
            let principal = try context.requireIdentity()
            // 1…1000 (default 100): a negative or zero limit would be read by SQLite as "no limit".
            let limit = Int(try IntegerInput.parse(request.uri.queryParameters.get("limit"), name: "limit", range: 1...1_000) ?? 100)
            let event = request.uri.queryParameters.get("event")
            let entries = try await web.scope.auditEntries(WebContext.scope(principal), event: event, limit: limit)
            return HTTP.json(JSONValue.array(entries.map(Self.json)).serialized)
        }
        router.get("api/audit/me") { request, context in
            let principal = try context.requireIdentity()
            let entries = try await web.scope.ownAuditEntries(WebContext.scope(principal), limit: 500)
            return HTTP.json(JSONValue.array(entries.map(Self.json)).serialized)
        }
    }

    static func json(_ entry: AuditEntry) -> JSONValue {
        let event = entry.event
        return .object([
            JSONMember("seq", .number(String(entry.sequence))),
            JSONMember("time", .number(String(event.time))),
            JSONMember("tenantId", event.tenantID.map { .string($0.description) } ?? .null),
            JSONMember("actorId", event.actorID.map { .string($0.description) } ?? .null),
            JSONMember("credential", event.credential.map(JSONValue.string) ?? .null),
            JSONMember("subjectId", event.subjectID.map { .string($0.description) } ?? .null),
            JSONMember("event", .string(event.event)),
            JSONMember("detail", .string(event.detail)),
            JSONMember("ip", event.ip.map(JSONValue.string) ?? .null),
            JSONMember("hash", .string(entry.hash)),
        ])
    }
}
