import StewardCore

/// One request or error as diagnostics keep it (promises MS-4, MS-5): what was asked, of which route pattern, how it
/// ended and how long it took, the browser and OS family, the app version and the network. There is deliberately no
/// field for a user, device, session, token, query string or full address: nothing here identifies anyone until a
/// person quotes the record's `id` (their reference), after which it is linked to them and is their data.
public struct DiagnosticEvent: Sendable, Equatable {
    /// `d-` and 10 lowercase base32 characters, the reference an error page shows.
    public var id: String
    /// When the request was answered (Unix ms).
    public var time: Int64
    public var method: String
    /// The route pattern (`/devices/{id}`), never the concrete path, which can carry ids and tokens.
    public var route: String
    public var status: Int
    public var durationMillis: Int64
    /// A family (`Chrome`, `curl`, `other`), never the full User-Agent, which is close to a fingerprint.
    public var browser: String
    public var os: String
    /// What the client sent as `X-App-Version`, at most 32 printable characters.
    public var appVersion: String
    /// The address with its host part removed (IPv4 /24, IPv6 /48).
    public var network: String

    public init(
        id: String, time: Int64, method: String, route: String, status: Int, durationMillis: Int64, browser: String, os: String,
        appVersion: String, network: String
    ) {
        self.id = id
        self.time = time
        self.method = method
        self.route = route
        self.status = status
        self.durationMillis = durationMillis
        self.browser = browser
        self.os = os
        self.appVersion = appVersion
        self.network = network
    }

    /// The start of the UTC day of `time` (Unix ms): the key daily counts are kept under.
    public static func day(of time: Int64) -> Int64 {
        let dayLength: Int64 = 86_400_000
        return time >= 0 ? time - time % dayLength : time - ((time % dayLength) + dayLength) % dayLength
    }
}

/// Daily counts of requests alike in everything diagnostics keep but their time: what raw events become once their
/// period ends, and how successful device-API calls are counted from the start (they never get a record of their own).
public struct DiagnosticDay: Sendable, Equatable, Hashable {
    /// The start of the UTC day (Unix ms).
    public var day: Int64
    public var method: String
    public var route: String
    public var status: Int
    public var browser: String
    public var os: String
    public var appVersion: String
    public var count: Int64
    public var durationSumMillis: Int64
    public var durationMaxMillis: Int64

    public init(
        day: Int64, method: String, route: String, status: Int, browser: String, os: String, appVersion: String, count: Int64,
        durationSumMillis: Int64, durationMaxMillis: Int64
    ) {
        self.day = day
        self.method = method
        self.route = route
        self.status = status
        self.browser = browser
        self.os = os
        self.appVersion = appVersion
        self.count = count
        self.durationSumMillis = durationSumMillis
        self.durationMaxMillis = durationMaxMillis
    }

    /// The fields a day row is grouped by.
    public var group: [String] { ["\(day)", method, route, "\(status)", browser, os, appVersion] }

    /// Folds `events` into one row per group, counts summed and maxima kept, in a stable order.
    public static func fold(_ events: [DiagnosticEvent]) -> [DiagnosticDay] {
        var rows: [[String]: DiagnosticDay] = [:]
        for event in events {
            let row = DiagnosticDay(
                day: DiagnosticEvent.day(of: event.time), method: event.method, route: event.route, status: event.status,
                browser: event.browser, os: event.os, appVersion: event.appVersion, count: 1, durationSumMillis: event.durationMillis,
                durationMaxMillis: event.durationMillis)
            rows[row.group, default: row.emptied].add(row)
        }
        return rows.values.sorted { $0.group.lexicographicallyPrecedes($1.group) }
    }

    /// Adds another row of the same group.
    public mutating func add(_ other: DiagnosticDay) {
        count += other.count
        durationSumMillis += other.durationSumMillis
        durationMaxMillis = max(durationMaxMillis, other.durationMaxMillis)
    }

    /// The same group with nothing counted yet.
    public var emptied: DiagnosticDay {
        var row = self
        row.count = 0
        row.durationSumMillis = 0
        row.durationMaxMillis = 0
        return row
    }
}

/// Where diagnostics are kept, apart from everything that identifies a person (promises MS-4, MS-5). Raw events live
/// a short declared period and are then folded into daily counts; an event a person quoted is linked to them, kept
/// while linked, shown in their access report and export, and erased with their account.
public protocol DiagnosticsStore: Sendable {
    /// Writes buffered events and daily counts in one transaction. An event whose id exists already is skipped (a
    /// retried flush must not fail on what the first attempt wrote).
    func recordDiagnostics(_ events: [DiagnosticEvent], days: [DiagnosticDay]) async throws
    /// Links the events with these ids to `user`; returns the ids that exist (others are ignored: a mistyped or
    /// already folded reference links nothing). Linking twice is harmless.
    func linkDiagnostics(_ ids: [String], to user: UserID, at time: Int64) async throws -> [String]
    /// Folds up to `limit` unlinked events older than `cutoff` into `diagnostic_day`, oldest first, and deletes them;
    /// `oldest` is the oldest unlinked event left. A dry run counts all that would be folded and changes nothing.
    func foldDiagnostics(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep
    /// Deletes up to `limit` daily rows of days that started before `cutoff`, oldest first.
    func expireDiagnosticDays(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep
    /// The events linked to `user`, oldest first.
    func linkedDiagnostics(of user: UserID) async throws -> [DiagnosticEvent]
    /// Unlinked and linked events in a time range `[from, to)`, oldest first: for tests and the operator's tools.
    func diagnosticEvents(from: Int64, to: Int64, limit: Int) async throws -> [DiagnosticEvent]
    /// Daily rows of days in `[from, to)`, ordered by their group.
    func diagnosticDays(from: Int64, to: Int64) async throws -> [DiagnosticDay]
}
