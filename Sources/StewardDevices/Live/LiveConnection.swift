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
    public nonisolated let outbox: LiveOutbox

    public init(
        format: LiveSession.Format, authentication: LiveAuthentication?, service: LiveService,
        outbox: LiveOutbox = LiveOutbox(), clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() },
        authenticate: @escaping Authenticator
    ) {
        session = LiveSession(format: format, authentication: authentication, now: clock())
        self.service = service
        self.authenticate = authenticate
        self.clock = clock
        self.outbox = outbox
    }

    /// Handles one event and everything it leads to (an authentication result, answers), in order.
    public func handle(_ event: LiveSession.Event) async {
        var events = [event]
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
                    case .success(let authentication): events.append(.authenticated(authentication))
                    case .failure(let error): events.append(.authenticationFailed(error.message))
                    }
                case .run(let request):
                    outbox.send(await service.run(request, outbox: outbox))
                case .unsubscribe(let cmdId):
                    service.hub.unregister(outbox, subscriptionID: cmdId)
                }
            }
        }
        if outbox.isClosing { service.hub.unregisterAll(outbox) }
    }

    /// The socket closed: its subscriptions stop and queued frames are dropped.
    public func finish() {
        service.hub.unregisterAll(outbox)
        outbox.finish()
    }
}
