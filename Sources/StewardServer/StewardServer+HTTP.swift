import Hummingbird
import HummingbirdCore
import Logging
import NIOSSL
import StewardWeb

extension StewardServer {
    /// The HTTP server with its connection limits (read and idle timeouts, connection count, largest body), said
    /// once in the log so an operator knows what a slow or idle client gets.
    func httpServer(tls: TLSConfiguration?, connectionBudget: Int, webSocket: LiveSocket? = nil) throws -> HTTPServerBuilder {
        let limits = configuration.httpLimits(connectionBudget: connectionBudget)
        logger.info(
            "HTTP limits: \(limits.maximumConnections) connections (\(limits.maximumConnectionsPerAddress) per address), a request must arrive within \(configuration.httpReadTimeoutSeconds) s, idle connections close after \(configuration.httpIdleTimeoutSeconds) s, bodies up to \(limits.maximumBodySize) bytes")
        return try WebApplication.server(tls: tls, limits: limits, logger: logger, webSocket: webSocket)
    }
}
