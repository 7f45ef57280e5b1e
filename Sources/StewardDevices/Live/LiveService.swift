import StewardCore
import StewardStore

/// Runs what WebSocket sessions ask for, with REST's rules: the device must be visible to the caller
/// (`ScopeService`: another tenant's device, or another customer's for a customer user, is "not found"), latest
/// values, attributes and histories come from `DeviceService` (histories through the same aggregation as
/// `GET …/values/timeseries`), and live updates from `LiveHub`.
public struct LiveService: Sendable {
    /// Records that `scope`'s user was shown these sensitive keys of `device` (`what` says how), in the access log of
    /// the person the device concerns; the transport supplies it (the access log lives with accounts).
    public typealias ViewLog = @Sendable (_ scope: Scope, _ device: Device, _ keys: [String], _ what: String) async throws -> Void

    public let hub: LiveHub
    let devices: DeviceService
    let scopes: ScopeService
    let viewLog: ViewLog?

    public init(hub: LiveHub, devices: DeviceService, scopes: ScopeService, viewLog: ViewLog? = nil) {
        self.hub = hub
        self.devices = devices
        self.scopes = scopes
        self.viewLog = viewLog
    }

    /// Runs one request: registers its subscription (before reading, so nothing committed in between is missed) and
    /// answers the current state, or answers the history; a refusal is ThingsBoard's error frame.
    /// The frame, and whether it is an answer (false: a refusal, and no subscription runs).
    public func run(_ request: LiveRequest, outbox: LiveOutbox) async -> (frame: String, answered: Bool) {
        do {
            let device = try await scopes.device(request.scope, id: request.deviceID)
            return (try await answer(request, device: device, outbox: outbox), true)
        } catch let error as StewardError {
            return (LiveFrames.error(subscriptionID: request.cmdId, code: LiveErrorCode(error), message: error.message), false)
        } catch {
            return (LiveFrames.error(subscriptionID: request.cmdId, code: .internalError, message: "Internal error: \(error)"), false)
        }
    }

    /// Why the caller may no longer see the request's device (it left their customer, or was deleted), or nil
    /// while they still may. A store that cannot answer keeps the subscription: the next check asks again.
    public func visibilityLost(_ request: LiveRequest) async -> String? {
        do {
            _ = try await scopes.device(request.scope, id: request.deviceID)
            return nil
        } catch let error as StewardError where error.kind == .notFound || error.kind == .forbidden {
            return error.message
        } catch {
            return nil
        }
    }

    /// Sensitive readings (a position, health…) are shown only after the view is in the access log of the person the
    /// device concerns: once per subscription (its snapshot and the live values that follow) and once per history.
    func logSensitive(_ request: LiveRequest, device: Device, series: [LiveFrames.Series], subscribedKeys: [String]?) async throws {
        guard let viewLog else { return }
        var keys = Set(series.map(\.key)).union(subscribedKeys ?? [])
        if subscribedKeys == nil, case .timeseries = request.operation {
            // Every key: the log names every key the device has ever reported, not only those with a value now.
            keys.formUnion(try await devices.timeSeriesKeys(device))
        }
        let sensitive = devices.sensitivity.sensitive(keys, profile: devices.classificationProfile(device)).sorted()
        guard !sensitive.isEmpty else { return }
        let what: String
        switch request.operation {
        case .history: what = "history (WebSocket)"
        case .timeseries, .attributes: what = "live values (WebSocket subscription)"
        }
        try await viewLog(request.scope, device, sensitive, what)
    }

    func answer(_ request: LiveRequest, device: Device, outbox: LiveOutbox) async throws -> String {
        let (series, keys) = try await read(request, device: device, outbox: outbox)
        do {
            try await logSensitive(request, device: device, series: series, subscribedKeys: keys)
        } catch {
            // Not logged, not shown.
            hub.unregister(outbox, subscriptionID: request.cmdId)
            throw error
        }
        return LiveFrames.update(subscriptionID: request.cmdId, series: series)
    }

    /// The first answer's data, and the keys the request names (nil: all).
    func read(_ request: LiveRequest, device: Device, outbox: LiveOutbox) async throws -> ([LiveFrames.Series], [String]?) {
        switch request.operation {
        case .history(let query):
            return (try await history(device, query), query.keys)
        case .timeseries(let keys, let window):
            hub.register(outbox, subscriptionID: request.cmdId, device: device.id, filter: .timeseries(keys: keys.map(Set.init)),
                customerLimited: request.scope.authority == .customerUser)
            if let window { return (try await history(device, window), keys) }
            let latest = try await devices.latest(device, keys: keys)
            let order = keys ?? latest.keys.sorted()
            let series = order.compactMap { key in latest[key].map { (key: key, points: [(ts: $0.ts, value: $0.value)]) } }
            return (series, keys)
        case .attributes(let scope, let keys):
            hub.register(
                outbox, subscriptionID: request.cmdId, device: device.id, filter: .attributes(scope: scope, keys: keys.map(Set.init)),
                customerLimited: request.scope.authority == .customerUser)
            var series: [LiveFrames.Series] = []
            for scope in scope.map({ [$0] }) ?? AttributeScope.allCases {
                for entry in try await devices.attributes(device, scope: scope, keys: keys) {
                    series.append((entry.key, [(entry.lastUpdateTs, entry.value)]))
                }
            }
            return (series, keys)
        }
    }

    func history(_ device: Device, _ query: TimeSeriesQuery) async throws -> [LiveFrames.Series] {
        let points = try await devices.history(device, query: query)
        return query.keys.compactMap { key in points[key].map { (key, $0.map { (ts: $0.ts, value: $0.value) }) } }
    }
}
