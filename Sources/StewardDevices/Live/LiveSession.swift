import StewardCore

/// One WebSocket session's protocol, as a value: events in (a text frame, an authentication result, a clock tick),
/// actions out (send a frame, close, authenticate a token, run a request, unsubscribe). No sockets and no clock of
/// its own, so every rule is tested without a network (`LiveSessionTests`); `LiveConnection` carries the actions
/// out and the WebSocket transport only moves frames.
///
/// Rules, as ThingsBoard's: on `/api/ws` the first message must carry `authCmd` within `authenticationTimeout`
/// (else the session closes, 1008 "Auth cmd is missing"); commands that arrive with it wait until the token is
/// checked. Text over `maximumMessageBytes` closes the session (1009). A token that expires mid-session closes it
/// (1008) with a reason saying so. A bad command is answered with ThingsBoard's error frame and the session goes on.
public struct LiveSession: Sendable {
    /// Which endpoint the client connected to.
    public enum Format: Sendable, Equatable {
        /// `/api/ws/plugins/telemetry?token=…`: `tsSubCmds`, `attrSubCmds`, `historyCmds`.
        case telemetryPlugin
        /// `/api/ws`: `authCmd` first, then `cmds` with a `type`.
        case general
    }

    public enum Event: Sendable, Equatable {
        /// A text frame from the client.
        case text(String)
        /// The token of an `authCmd` was accepted.
        case authenticated(LiveAuthentication)
        /// The token of an `authCmd` was refused, with the reason.
        case authenticationFailed(String)
        /// Time passed (the transport ticks about once a second).
        case tick
        /// The credentials the session authenticated with no longer hold (signed out, account disabled).
        case credentialsEnded(String)
        /// A subscription's device is no longer visible to the caller (unassigned from their customer, deleted).
        case subscriptionEnded(cmdId: Int, reason: String)
        /// A subscription was refused when it ran (its error frame is sent): it does not count as running.
        case refused(cmdId: Int)
    }

    public enum Action: Sendable, Equatable {
        case send(String)
        /// Close the WebSocket with this status code and reason; nothing more is sent.
        case close(code: UInt16, reason: String)
        /// Check this token and answer `.authenticated` or `.authenticationFailed`.
        case authenticate(token: String)
        /// Run the request and send its answer (the first answer of a subscription, or a history).
        case run(LiveRequest)
        /// Stop the subscription with this command id.
        case unsubscribe(cmdId: Int)
        /// Check again that the credentials still hold and, for a customer user, that each subscribed device is
        /// still theirs; answer `.credentialsEnded` or `.subscriptionEnded` when not.
        case recheck
    }

    enum Stage: Sendable, Equatable {
        /// No credentials yet: the first message must bring them by the deadline.
        case awaitingAuthentication(deadline: Int64)
        /// A token is being checked; commands wait.
        case authenticating(pending: [LiveCommandParser.Command])
        case open(LiveAuthentication)
        case closed
    }

    /// ThingsBoard's `max_text_message_buffer_size`.
    public static let maximumMessageBytes = 32 * 1024
    /// ThingsBoard's `auth_timeout_ms`.
    public static let authenticationTimeout: Int64 = 10_000
    /// Subscriptions one session holds at once; more are refused, so one session cannot hold unbounded state.
    public static let maximumSubscriptions = 1_000
    /// How often an open session's credentials and visibility are checked again.
    public static let recheckInterval: Int64 = 30_000

    public let format: Format
    private(set) var stage: Stage
    /// Subscriptions that are running, by command id.
    private(set) var subscriptions: Set<Int> = []
    private var nextRecheck: Int64

    /// A session that authenticated when it connected (`?token=` or the console's cookie), or, with nil, one that
    /// must send `authCmd` within `authenticationTimeout` of `now`.
    public init(format: Format, authentication: LiveAuthentication?, now: Int64) {
        self.format = format
        nextRecheck = now + Self.recheckInterval
        if let authentication {
            stage = .open(authentication)
        } else {
            stage = .awaitingAuthentication(deadline: now + Self.authenticationTimeout)
        }
    }

    public var isClosed: Bool { stage == .closed }

    /// The actions for one event, in order; `now` is the time in milliseconds since the epoch.
    public mutating func handle(_ event: Event, now: Int64) -> [Action] {
        if stage == .closed { return [] }
        switch event {
        case .tick:
            return tick(now: now)
        case .text(let text):
            return receive(text, now: now)
        case .authenticated(let authentication):
            guard case .authenticating(let pending) = stage else { return [] }
            stage = .open(authentication)
            if let expiry = expiryActions(now: now) { return expiry }
            return pending.flatMap { run($0, authentication: authentication, now: now) }
        case .authenticationFailed(let reason):
            return close(1008, "Authentication failed: \(reason)")
        case .credentialsEnded(let reason):
            return close(1008, reason)
        case .refused(let cmdId):
            subscriptions.remove(cmdId)
            return []
        case .subscriptionEnded(let cmdId, let reason):
            guard subscriptions.remove(cmdId) != nil else { return [] }
            return [.unsubscribe(cmdId: cmdId), .send(LiveFrames.error(subscriptionID: cmdId, code: .unauthorized, message: reason))]
        }
    }

    mutating func tick(now: Int64) -> [Action] {
        switch stage {
        case .awaitingAuthentication(let deadline) where now >= deadline:
            return close(1008, "Auth cmd is missing: send {\"authCmd\":{\"cmdId\":0,\"token\":\"<JWT>\"}} within 10 s of connecting")
        case .open:
            if let expiry = expiryActions(now: now) { return expiry }
            guard now >= nextRecheck else { return [] }
            nextRecheck = now + Self.recheckInterval
            return [.recheck]
        default:
            return []
        }
    }

    mutating func expiryActions(now: Int64) -> [Action]? {
        guard case .open(let authentication) = stage, let expiresAt = authentication.expiresAt, now >= expiresAt else { return nil }
        return close(1008, "Token has expired: sign in again (POST /api/auth/login or /api/auth/token) and reconnect with the new token")
    }

    mutating func close(_ code: UInt16, _ reason: String) -> [Action] {
        stage = .closed
        subscriptions.removeAll()
        return [.close(code: code, reason: reason)]
    }

    mutating func receive(_ text: String, now: Int64) -> [Action] {
        let size = text.utf8.count
        if size > Self.maximumMessageBytes {
            return close(1009, "Message of \(size) bytes is over the \(Self.maximumMessageBytes)-byte limit")
        }
        let message: LiveCommandParser.Message
        do {
            message = try LiveCommandParser.parse(text, general: format == .general)
        } catch {
            if case .awaitingAuthentication = stage { return close(1008, "Auth cmd is missing: \(error.message)") }
            return [.send(LiveFrames.error(subscriptionID: 0, code: .badRequest, message: error.message))]
        }
        var actions = message.errors.map { Action.send(LiveFrames.error(subscriptionID: $0.0, code: .badRequest, message: $0.1)) }
        switch stage {
        case .awaitingAuthentication:
            guard let token = message.token else {
                return close(1008, "Auth cmd is missing: the first message on /api/ws carries {\"authCmd\":{\"cmdId\":0,\"token\":\"<JWT>\"}}")
            }
            stage = .authenticating(pending: message.commands)
            actions.append(.authenticate(token: token))
        case .authenticating(let pending):
            stage = .authenticating(pending: pending + message.commands)
        case .open(let authentication):
            if let expiry = expiryActions(now: now) { return expiry }
            if let token = message.token {
                // A fresh token (ThingsBoard clients re-send authCmd after refreshing): commands wait for it.
                stage = .authenticating(pending: message.commands)
                actions.append(.authenticate(token: token))
            } else {
                actions += message.commands.flatMap { run($0, authentication: authentication, now: now) }
            }
        case .closed:
            return []
        }
        return actions
    }

    mutating func run(_ command: LiveCommandParser.Command, authentication: LiveAuthentication, now: Int64) -> [Action] {
        if command.unsubscribe {
            guard subscriptions.remove(command.cmdId) != nil else { return [] }
            return [.unsubscribe(cmdId: command.cmdId)]
        }
        let request: LiveRequest
        do {
            request = try LiveCommandParser.request(command, scope: authentication.scope, now: now)
        } catch {
            return [.send(LiveFrames.error(subscriptionID: command.cmdId, code: LiveErrorCode(error), message: error.message))]
        }
        if case .history = request.operation { return [.run(request)] }
        if !subscriptions.contains(command.cmdId), subscriptions.count >= Self.maximumSubscriptions {
            return [
                .send(
                    LiveFrames.error(
                        subscriptionID: command.cmdId, code: .badRequest,
                        message: "Too many subscriptions on one session (\(Self.maximumSubscriptions)); unsubscribe some first"))
            ]
        }
        subscriptions.insert(command.cmdId)
        return [.run(request)]
    }
}
