import NIOCore

extension ConnectionDeadlineHandler: RemovableChannelHandler {}
extension RequestBoundaryObserver: RemovableChannelHandler {}

extension GuardedHTTPChannel {
    /// Takes the HTTP request deadlines off a connection that is becoming a WebSocket: they read HTTP request parts
    /// and would close a quiet but live session after the idle timeout. Called before the upgrade response is sent.
    static func removeHTTPGuards(from channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            if let observer = try? sync.handler(type: RequestBoundaryObserver.self) { sync.removeHandler(observer, promise: nil) }
            if let deadlines = try? sync.handler(type: ConnectionDeadlineHandler.self) { sync.removeHandler(deadlines, promise: nil) }
        }.get()
    }
}
