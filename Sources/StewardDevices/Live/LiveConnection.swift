import StewardCore

/// Carries one session's protocol (`LiveSession`) out: frames go to its `LiveOutbox`, requests to `LiveService`,
/// tokens to the transport's authenticator. The WebSocket transport feeds it frames and ticks and drains the outbox;
/// it knows nothing of ThingsBoard's commands.
public actor LiveConnection {
    /// Checks a token of an `authCmd`: the session's credentials, or the reason they are refused.
    public typealias Authenticator = @Sendable (String) async -> Result<LiveAuthentication, StewardError>

    private var session: LiveSession
    private let service: LiveService
    private let authenticate: Authenticator
    private let clock: @Sendable () -> Int64
    /// Whether the credentials the session authenticated with still hold; replaced when `authCmd` brings a token.
    private var revalidate: (@Sendable () async -> Bool)?
    /// The running subscriptions, to check their devices again.
    private var running: [Int: LiveRequest] = [:]
    public nonisolated let outbox: LiveOutbox

    public init(
        format: LiveSession.Format, authentication: LiveAuthentication?, service: LiveService,
        outbox: LiveOutbox = LiveOutbox(), clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() },
        revalidate: (@Sendable () async -> Bool)? = nil, authenticate: @escaping Authenticator
    ) {
        self.revalidate = revalidate
        session = LiveSession(format: format, authentication: authentication, now: clock())
        self.service = service
        self.authenticate = authenticate
        self.clock = clock
        self.outbox = outbox
    }

    /// Handles one event and everything it leads to (an authentication result, answers), in order.
    public func handle(_ event: LiveSession.Event) async {
        var events = [event]
        // A device changed hands (`LiveHub.accessChanged`): check now rather than at the periodic recheck.
        if case .tick = event, outbox.takeRecheckRequest() { events += await recheck() }
        while !events.isEmpty {
            let actions = session.handle(events.removeFirst(), now: clock())
            for action in actions {
                switch action {
                case .send(let frame):
                    outbox.send(frame)
                case .close(let code, let reason):
                    service.hub.unregisterAll(outbox)
                    outbox.close(code: code, reason: reason)
                case .authenticate(let token):
                    switch await authenticate(token) {
                    case .success(let authentication):
                        let authenticate = self.authenticate
                        revalidate = { if case .success = await authenticate(token) { true } else { false } }
                        events.append(.authenticated(authentication))
                    case .failure(let error):
                        events.append(.authenticationFailed(error.message))
                    }
                case .run(let request):
                    let (frame, answered) = await service.run(request, outbox: outbox)
                    if case .history = request.operation {
                    } else if answered {
                        running[request.cmdId] = request
                    } else {
                        running[request.cmdId] = nil
                        events.append(.refused(cmdId: request.cmdId))
                    }
                    outbox.send(frame)
                case .unsubscribe(let cmdId):
                    running[cmdId] = nil
                    service.hub.unregister(outbox, subscriptionID: cmdId)
                case .recheck:
                    events += await recheck()
                }
            }
        }
        if outbox.isClosing { service.hub.unregisterAll(outbox) }
    }

    /// The events a recheck finds: credentials that ended, or a customer user's devices no longer theirs.
    func recheck() async -> [LiveSession.Event] {
        if let revalidate, await !revalidate() {
            return [.credentialsEnded("Signed out: the sign-in this session used has ended; sign in again and reconnect")]
        }
        var ended: [LiveSession.Event] = []
        for request in running.values.sorted(by: { $0.cmdId < $1.cmdId }) where request.scope.authority == .customerUser {
            if let reason = await service.visibilityLost(request) { ended.append(.subscriptionEnded(cmdId: request.cmdId, reason: reason)) }
        }
        return ended
    }

    /// The socket closed: its subscriptions stop and queued frames are dropped.
    public func finish() {
        service.hub.unregisterAll(outbox)
        outbox.finish()
    }
}
