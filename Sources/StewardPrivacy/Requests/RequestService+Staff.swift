import Foundation
import StewardAuth
import StewardCore
import StewardStore

/// One open request on the staff queue, with what its clock says now.
public struct QueuedRequest: Sendable, Equatable {
    public var request: RequestRecord
    /// Nil when the declaration no longer has the request's rules.
    public var jurisdiction: Jurisdiction?
    /// The date the answer is owed by now (the extended one once extended).
    public var due: Int64
    /// Whole days left, rounded away from zero; negative when late.
    public var daysLeft: Int
    public var isLate: Bool
    /// Due within `RequestService.dueSoonDays`.
    public var isDueSoon: Bool
    /// An extension may still be told: the rules allow one, none was taken, and the first due date is ahead.
    public var canExtend: Bool
    /// The date an extension would move the answer to.
    public var extendedDue: Int64?
}

/// The staff side: the queue sorted by due date, extensions told in time, and closing with an outcome
/// (promises MB-19, TB-4). Every action checks the viewer's `StaffScope`; a request outside it is "not found".
extension RequestService {
    /// Requests due within this many days are flagged.
    public static let dueSoonDays = 7

    /// Open and extended requests the viewer handles, the earliest due first.
    public func queue(for viewer: User) async throws -> [QueuedRequest] {
        try await queue(scope: StaffScope(viewer: viewer))
    }

    /// The queue of a scope; `steward dsr list` reads `.all`.
    public func queue(scope: StaffScope) async throws -> [QueuedRequest] {
        let time = now()
        return try await inScope(scope).filter { $0.status == .open || $0.status == .extended }
            .map { queued($0, at: time) }
            .sorted { ($0.due, $0.request.id) < ($1.due, $1.request.id) }
    }

    /// Closed requests the viewer handles, the most recently closed first.
    public func closed(for viewer: User, limit: Int = 100) async throws -> [RequestRecord] {
        Array(
            try await inScope(StaffScope(viewer: viewer)).filter { $0.status.isClosed }
                .sorted { ($0.closedTime ?? 0, $0.id) > ($1.closedTime ?? 0, $1.id) }.prefix(limit))
    }

    /// One request the viewer handles; `notFound` for any other, so ids of other tenants reveal nothing.
    public func request(id: String, for viewer: User) async throws -> RequestRecord {
        let scope = try StaffScope(viewer: viewer)
        guard let request = try await store.request(id: id), request.status != .awaitingVerification,
            scope.covers(tenant: request.tenantID, user: request.userID)
        else { throw StewardError.notFound("No request \(id.prefix(40)) among the requests you handle") }
        return request
    }

    /// Extends the deadline as far as the rules allow and mails the person the new date and the reason. Refused
    /// once the first due date (or the time to tell of an extension) has passed, for a second extension, and
    /// where the rules allow none.
    @discardableResult
    public func extend(id: String, reason text: String, by viewer: User, ip: String = "") async throws -> RequestRecord {
        let request = try await request(id: id, for: viewer)
        let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw StewardError.badRequest("Give the reason for the extension: the person is told it with the new date")
        }
        guard reason.count <= 1000 else { throw StewardError.badRequest("The reason is longer than 1000 characters") }
        switch request.status {
        case .extended:
            throw StewardError.conflict(
                "Request \(request.id) was already extended to \(UTCTime.format(request.extendedDueTime ?? 0)); a request is extended once")
        case .done, .refused:
            throw StewardError.conflict("Request \(request.id) is closed; there is nothing to extend")
        case .awaitingVerification, .open:
            break
        }
        let jurisdiction = try self.jurisdiction(code: request.jurisdiction)
        let clock = RequestDeadlines(jurisdiction: jurisdiction, start: request.verifiedTime ?? request.receivedTime)
        guard let until = clock.latestExtendedDue else {
            throw StewardError.conflict(
                "The rules for \(jurisdiction.name) allow no extension: answer request \(request.id) by \(UTCTime.format(request.dueTime ?? clock.due))")
        }
        let time = now()
        let noticeBy = min(clock.extensionNoticeBy, request.dueTime ?? clock.due)
        guard time < noticeBy else {
            throw StewardError.conflict(
                "Too late to extend request \(request.id): the person had to be told before \(UTCTime.format(noticeBy)). Answer it now")
        }
        var extended = request
        extended.status = .extended
        extended.extendedDueTime = until
        extended.extensionReason = reason
        extended.extensionNotifiedTime = time
        try await store.apply([
            .rights(.extendRequest(id: request.id, until: until, reason: reason, at: time)),
            .enqueueMail(mail.extended(request, until: until, reason: reason)),
            audit(request, time: time, actor: viewer.id, credential: "console", event: "request.extended",
                  "request \(request.id) extended to \(UTCTime.format(until)): \(reason)", ip: ip),
        ])
        return extended
    }

    /// Closes a request as done or refused, with the outcome the person is mailed (a refusal names the supervisory
    /// authority, GDPR Art. 12(4)). A second close is refused and changes nothing.
    @discardableResult
    public func close(id: String, refused: Bool, outcome text: String, by viewer: User, ip: String = "") async throws -> RequestRecord {
        let request = try await request(id: id, for: viewer)
        if request.status.isClosed {
            throw StewardError.conflict(
                "Request \(request.id) was already closed on \(UTCTime.format(request.closedTime ?? 0)) (\(request.status.rawValue)); nothing was changed")
        }
        let outcome = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !outcome.isEmpty else {
            throw StewardError.badRequest(
                refused ? "Give the reason for the refusal: the person is told it" : "Say what was done: the person is told it")
        }
        guard outcome.count <= Self.maximumDetailsLength else {
            throw StewardError.badRequest("The outcome is longer than \(Self.maximumDetailsLength) characters")
        }
        let time = now()
        let status: RequestStatus = refused ? .refused : .done
        var closed = request
        closed.status = status
        closed.outcome = outcome
        closed.closedTime = time
        closed.closedBy = viewer.id
        try await store.apply([
            .rights(.closeRequest(id: request.id, status: status, outcome: outcome, by: viewer.id, at: time)),
            .enqueueMail(mail.closed(request, refused: refused, outcome: outcome)),
            audit(request, time: time, actor: viewer.id, credential: "console", event: "request.closed",
                  "request \(request.id) \(status.rawValue)", ip: ip),
        ])
        return closed
    }

    func inScope(_ scope: StaffScope) async throws -> [RequestRecord] {
        try await store.requests(tenant: scope.tenant).filter {
            $0.status != .awaitingVerification && scope.covers(tenant: $0.tenantID, user: $0.userID)
        }
    }

    func queued(_ request: RequestRecord, at time: Int64) -> QueuedRequest {
        let jurisdiction = declaration.jurisdictions.first { $0.code == request.jurisdiction }
        let due = request.effectiveDueTime ?? request.receivedTime
        let clock = jurisdiction.map { RequestDeadlines(jurisdiction: $0, start: request.verifiedTime ?? request.receivedTime) }
        let canExtend =
            request.status == .open && clock?.latestExtendedDue != nil
            && time < min(clock?.extensionNoticeBy ?? 0, request.dueTime ?? 0)
        let daysLeft = RequestDeadlines.daysLeft(until: due, now: time)
        return QueuedRequest(
            request: request, jurisdiction: jurisdiction, due: due, daysLeft: daysLeft, isLate: time > due,
            isDueSoon: time <= due && due - time <= Int64(Self.dueSoonDays) * RequestDeadlines.dayMillis,
            canExtend: canExtend, extendedDue: canExtend ? clock?.latestExtendedDue : nil)
    }
}
