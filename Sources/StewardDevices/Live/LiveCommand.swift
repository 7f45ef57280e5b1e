import StewardCore
import StewardStore

/// One subscription or query a WebSocket client asked for, checked and ready to run: ThingsBoard's
/// `TimeseriesSubscriptionCmd`, `AttributesSubscriptionCmd` and `GetHistoryCmd`, whichever envelope carried them.
public struct LiveRequest: Sendable, Equatable {
    /// What the client wants.
    public enum Operation: Sendable, Equatable {
        /// The current values of `keys` (nil: every key), then every committed reading of them. With a `window`,
        /// the first answer is the history over that window instead of the latest values.
        case timeseries(keys: [String]?, window: TimeSeriesQuery?)
        /// The attributes of `scope` (nil: every scope) and `keys` (nil: all), then every change to them.
        case attributes(scope: AttributeScope?, keys: [String]?)
        /// One history answer, no subscription.
        case history(TimeSeriesQuery)
    }

    /// The client's `cmdId`; ThingsBoard answers with it as `subscriptionId`.
    public var cmdId: Int
    /// The device id as the client sent it; `ScopeService` decides whether the caller may see it.
    public var deviceID: String
    public var operation: Operation
    /// Who asks: the scope the session authenticated as.
    public var scope: Scope

    public init(cmdId: Int, deviceID: String, operation: Operation, scope: Scope) {
        self.cmdId = cmdId
        self.deviceID = deviceID
        self.operation = operation
        self.scope = scope
    }
}

/// The credentials a session authenticated with: who, and until when (milliseconds since the epoch; nil for a
/// console session, which the console's own sign-out ends).
public struct LiveAuthentication: Sendable, Equatable {
    public var scope: Scope
    public var expiresAt: Int64?

    public init(scope: Scope, expiresAt: Int64?) {
        self.scope = scope
        self.expiresAt = expiresAt
    }
}

/// ThingsBoard's `SubscriptionErrorCode`.
public enum LiveErrorCode: Int, Sendable {
    case noError = 0
    case internalError = 1
    case badRequest = 2
    case unauthorized = 3

    /// The code for a service error: visibility refusals (another tenant's device is "not found") are UNAUTHORIZED,
    /// bad input BAD_REQUEST, anything else INTERNAL_ERROR.
    public init(_ error: StewardError) {
        switch error.kind {
        case .badRequest, .payloadTooLarge: self = .badRequest
        case .unauthorized, .forbidden, .notFound: self = .unauthorized
        default: self = .internalError
        }
    }
}
