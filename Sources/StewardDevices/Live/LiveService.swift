import StewardCore
import StewardStore

/// Runs what WebSocket sessions ask for, with REST's rules: the device must be visible to the caller
/// (`ScopeService`: another tenant's device, or another customer's for a customer user, is "not found"), latest
/// values, attributes and histories come from `DeviceService` (histories through the same aggregation as
/// `GET …/values/timeseries`), and live updates from `LiveHub`.
public struct LiveService: Sendable {
    public let hub: LiveHub
    let devices: DeviceService
    let scopes: ScopeService

    public init(hub: LiveHub, devices: DeviceService, scopes: ScopeService) {
        self.hub = hub
        self.devices = devices
        self.scopes = scopes
    }

    /// Runs one request: registers its subscription (before reading, so nothing committed in between is missed) and
    /// answers the current state, or answers the history; a refusal is ThingsBoard's error frame.
    public func run(_ request: LiveRequest, outbox: LiveOutbox) async -> String {
        do {
            let device = try await scopes.device(request.scope, id: request.deviceID)
            return try await answer(request, device: device, outbox: outbox)
        } catch let error as StewardError {
            return LiveFrames.error(subscriptionID: request.cmdId, code: LiveErrorCode(error), message: error.message)
        } catch {
            return LiveFrames.error(subscriptionID: request.cmdId, code: .internalError, message: "Internal error: \(error)")
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

    func answer(_ request: LiveRequest, device: Device, outbox: LiveOutbox) async throws -> String {
        switch request.operation {
        case .history(let query):
            return LiveFrames.update(subscriptionID: request.cmdId, series: try await history(device, query))
        case .timeseries(let keys, let window):
            hub.register(outbox, subscriptionID: request.cmdId, device: device.id, filter: .timeseries(keys: keys.map(Set.init)))
            if let window { return LiveFrames.update(subscriptionID: request.cmdId, series: try await history(device, window)) }
            let latest = try await devices.latest(device, keys: keys)
            let order = keys ?? latest.keys.sorted()
            let series = order.compactMap { key in latest[key].map { (key: key, points: [(ts: $0.ts, value: $0.value)]) } }
            return LiveFrames.update(subscriptionID: request.cmdId, series: series)
        case .attributes(let scope, let keys):
            hub.register(
                outbox, subscriptionID: request.cmdId, device: device.id, filter: .attributes(scope: scope, keys: keys.map(Set.init)))
            var series: [LiveFrames.Series] = []
            for scope in scope.map({ [$0] }) ?? AttributeScope.allCases {
                for entry in try await devices.attributes(device, scope: scope, keys: keys) {
                    series.append((entry.key, [(entry.lastUpdateTs, entry.value)]))
                }
            }
            return LiveFrames.update(subscriptionID: request.cmdId, series: series)
        }
    }

    func history(_ device: Device, _ query: TimeSeriesQuery) async throws -> [LiveFrames.Series] {
        let points = try await devices.history(device, query: query)
        return query.keys.compactMap { key in points[key].map { (key, $0.map { (ts: $0.ts, value: $0.value) }) } }
    }
}
