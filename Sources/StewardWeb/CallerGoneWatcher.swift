import NIOCore

/// Notices that an HTTP caller went away while its request waits (a server-side RPC): the peer closed its side
/// (FIN; Hummingbird allows half-closure, so the channel itself stays open) or the connection dropped.
///
/// Installed first in the pipeline for the time of the wait, below TLS, so it sees the socket's own events; it
/// passes everything on unchanged.
final class CallerGoneWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    let onGone: @Sendable () -> Void

    init(onGone: @escaping @Sendable () -> Void) {
        self.onGone = onGone
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { onGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onGone()
        context.fireChannelInactive()
    }

    /// Runs `body` as a task that is cancelled if the caller on `channel` goes away meanwhile (or if the calling
    /// task is cancelled), then removes the watcher again.
    static func run<T: Sendable>(on channel: (any Channel)?, _ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        guard let channel else { return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() } }
        let watcher = CallerGoneWatcher { task.cancel() }
        if (try? await channel.pipeline.addHandler(watcher, position: .first).get()) == nil || !channel.isActive {
            task.cancel()
        }
        let result = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        channel.pipeline.removeHandler(watcher, promise: nil)
        return result
    }
}
