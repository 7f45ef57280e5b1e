import NIOSSL

/// Where and how the device MQTT listener runs.
public struct MQTTServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// False to listen only on `tlsPort` (nothing travels in the clear).
    public var plainListener = true
    /// Listens for MQTT over TLS here when `tls` is set.
    public var tlsPort: Int?
    public var tls: TLSConfiguration?
    /// Largest accepted packet body (remaining length); bigger packets close the connection.
    public var maximumPacketSize: Int
    /// A client that sends nothing for this many keep-alive periods is disconnected (the spec's 1.5).
    public var keepAliveFactor: Double
    /// Time a new connection gets to send CONNECT.
    public var connectTimeoutSeconds: Int64
    /// How long a `provision` session may stay open, whatever its keep-alive (ThingsBoard also ends them after
    /// a minute): it never authenticates, so it must not hold a connection for long.
    public var provisioningSessionSeconds: Int64 = 60
    /// Limits on connections, counted before anything is read from a socket (see `ConnectionLimits`).
    public var connectionLimits = ConnectionLimits.Policy(
        maximumConnections: 100_000, maximumUnauthenticated: 10_000, maximumUnauthenticatedPerAddress: 256)
    /// Packets accepted before the CONNECT is authenticated; beyond this the session is refused.
    public var preConnectQueueLimit: Int
    /// QoS 1 acknowledgements outstanding before the server stops reading from the socket (backpressure).
    public var maximumPendingAcks: Int

    public init(
        host: String = "0.0.0.0", port: Int = 1883, tlsPort: Int? = nil, tls: TLSConfiguration? = nil,
        maximumPacketSize: Int = 65_536, keepAliveFactor: Double = 1.5, connectTimeoutSeconds: Int64 = 10,
        preConnectQueueLimit: Int = 100, maximumPendingAcks: Int = 256
    ) {
        self.host = host
        self.port = port
        self.tlsPort = tlsPort
        self.tls = tls
        self.maximumPacketSize = maximumPacketSize
        self.keepAliveFactor = keepAliveFactor
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.preConnectQueueLimit = preConnectQueueLimit
        self.maximumPendingAcks = maximumPendingAcks
    }
}
