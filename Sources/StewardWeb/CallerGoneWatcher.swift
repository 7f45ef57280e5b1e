import NIOCore

/// Notices that an HTTP caller went away while its request waits (a server-side RPC): the peer closed its side
/// (FIN; Hummingbird allows half-closure, so the channel itself stays open) or the connection dropped.
///
/// One watcher is installed first in every connection's pipeline when the connection is set up
/// (`GuardedHTTPChannel`), below TLS, so it sees the socket's own events from the start and remembers them. A caller
/// that sends its request and closes at once has gone before its request is routed; `run` then finds that already
/// recorded and cancels at once, instead of waiting for an event that has passed. It passes everything on unchanged.
final class CallerGoneWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// The caller closed its side or the connection dropped; stays true for the rest of the connection.
    private(set) var gone = false
    private var waiters: [UInt64: @Sendable () -> Void] = [:]
    private var nextKey: UInt64 = 0

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { callerGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        callerGone()
        context.fireChannelInactive()
    }

    private func callerGone() {
        guard !gone else { return }
        gone = true
        let waiting = waiters.values
        waiters = [:]
        for onGone in waiting { onGone() }
    }

    /// Calls `onGone` once the caller goes, at once if it already has (then returns nil); otherwise returns the key
    /// to stop watching with. On the channel's event loop.
    func watch(_ onGone: @escaping @Sendable () -> Void) -> UInt64? {
        if gone {
            onGone()
            return nil
        }
        nextKey += 1
        waiters[nextKey] = onGone
        return nextKey
    }

    func unwatch(_ key: UInt64) {
        waiters[key] = nil
    }

    /// The connection's watcher. A connection set up without one (not through `GuardedHTTPChannel`) gets one now,
    /// which sees only what happens from now on. On the channel's event loop.
    static func watcher(on channel: any Channel) throws -> CallerGoneWatcher {
        let sync = channel.pipeline.syncOperations
        if let watcher = try? sync.handler(type: CallerGoneWatcher.self) { return watcher }
        let watcher = CallerGoneWatcher()
        try sync.addHandler(watcher, position: .first)
        if !channel.isActive { watcher.callerGone() }
        return watcher
    }

    /// Runs `body` as a task that is cancelled if the caller on `channel` has gone or goes away meanwhile (or if the
    /// calling task is cancelled).
    static func run<T: Sendable>(on channel: (any Channel)?, _ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        guard let channel else { return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() } }
        // nil: the caller had already gone (the task is cancelled), or the channel could not be watched.
        let key = try? await channel.eventLoop.submit { () throws -> UInt64? in
            try watcher(on: channel).watch { task.cancel() }
        }.get()
        if key == nil { task.cancel() }
        let result = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        if let key {
            channel.eventLoop.execute {
                (try? channel.pipeline.syncOperations.handler(type: CallerGoneWatcher.self))?.unwatch(key)
            }
        }
        return result
    }
}
