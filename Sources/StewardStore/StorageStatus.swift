import Foundation
import StewardCore
import Synchronization

/// A storage backend's error that may mean the disk (or the database's quota) is full. The SQLite store makes
/// its `DatabaseError` conform, so layers above can tell "storage full" apart without importing the database.
public protocol StorageFailure: Error {
    /// This error as "storage full" when it means nothing more can be stored, else nil.
    var storageFull: StewardError? { get }
}

/// Whether the last write failed for lack of space. Clients are told "storage full" (HTTP 507, MQTT 5 0x97), the
/// log says it as an error (at most once a minute, with how many more happened), and `/api/health` answers 503
/// until a write succeeds again.
public final class StorageStatus: Sendable {
    struct State {
        var full = false
        var message = ""
        var lastReport: ContinuousClock.Instant?
        var unreported = 0
        /// Why the database server cannot be reached, while it cannot (a database on another machine).
        var unreachable: String?
        var unreachableLogged = false
    }

    private let state = Mutex(State())
    /// Asks the database whether it answers again (set by a backend with a server; `/api/health` calls it).
    private let probe = Mutex<(@Sendable () async -> Void)?>(nil)
    private let report: @Sendable (String) -> Void
    /// At most one log line per this interval while writes keep failing.
    let reportInterval: Duration

    /// `report` receives the error-level log line.
    public init(reportInterval: Duration = .seconds(60), report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.reportInterval = reportInterval
        self.report = report
    }

    /// `error` as "storage full" when it means the disk or the quota is full, else nil.
    public static func storageFull(_ error: any Error) -> StewardError? {
        if let error = error as? StewardError { return error.kind == .storageFull ? error : nil }
        if let error = error as? any StorageFailure { return error.storageFull }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, nsError.code == Int(ENOSPC) || nsError.code == Int(EDQUOT) {
            return .storageFull()
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == CocoaError.fileWriteOutOfSpace.rawValue { return .storageFull() }
        return nil
    }

    /// `error` as callers should see it: "storage full" (recorded, and logged) when it means so, else unchanged.
    ///
    /// A `StewardError` of kind `.storageFull` is passed on without being recorded again: it was made by a boundary
    /// that recorded it (the SQLite store's write path, or an earlier `classify`), and one refused write is counted
    /// once however many layers it passes.
    public func classify(_ error: any Error) -> any Error {
        guard let full = Self.storageFull(error) else { return error }
        if !(error is StewardError) { recordFull(full.message) }
        return full
    }

    /// A write failed for lack of space.
    public func recordFull(_ message: String) {
        let now = ContinuousClock.now
        let line = state.withLock { state -> String? in
            state.full = true
            state.message = message
            state.unreported += 1
            if let last = state.lastReport, now - last < reportInterval { return nil }
            state.lastReport = now
            defer { state.unreported = 0 }
            let more = state.unreported > 1 ? " (\(state.unreported) writes refused since the last report)" : ""
            return "Writes refused for lack of space\(more): \(message)"
        }
        if let line { report(line) }
    }

    /// A write committed to the database: storage is usable again. Only a commit may say so (the store's write
    /// path and the telemetry writer call this), never a request that merely did not fail.
    public func recordSuccess() {
        state.withLock {
            guard $0.full else { return }
            $0.full = false
            $0.lastReport = nil
            $0.unreported = 0
        }
    }

    /// nil while writes succeed; the reason while the last write failed for lack of space.
    public var fullMessage: String? {
        state.withLock { $0.full ? $0.message : nil }
    }

    // MARK: - Reachability of a database server

    /// A database call failed because the server cannot be reached: `/api/health` answers 503 with `message` until a
    /// call succeeds again. Logged once per outage.
    public func recordUnreachable(_ message: String) {
        let first = state.withLock { state -> Bool in
            state.unreachable = message
            defer { state.unreachableLogged = true }
            return !state.unreachableLogged
        }
        if first { report("The database cannot be reached; devices get no acknowledgement until it is back: \(message)") }
    }

    /// A database call succeeded: the server is reachable.
    public func recordReachable() {
        let recovered = state.withLock { state -> Bool in
            guard state.unreachable != nil else { return false }
            state.unreachable = nil
            state.unreachableLogged = false
            return true
        }
        if recovered { report("The database is reachable again") }
    }

    /// nil while the database answers; the reason while it cannot be reached.
    public var unreachableMessage: String? {
        state.withLock { $0.unreachable }
    }

    /// How to ask the database whether it is back (a trivial query that records its outcome here).
    public func setProbe(_ probe: @escaping @Sendable () async -> Void) {
        self.probe.withLock { $0 = probe }
    }

    /// While the database is unreachable, asks it again (so health recovers without other traffic); returns the
    /// reason if it is still unreachable.
    public func recheckReachability() async -> String? {
        guard unreachableMessage != nil, let probe = probe.withLock({ $0 }) else { return unreachableMessage }
        await probe()
        return unreachableMessage
    }
}
