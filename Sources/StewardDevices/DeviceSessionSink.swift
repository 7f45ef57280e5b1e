import StewardCore

/// A server-side RPC as a device receives it.
public struct ServerRPCRequest: Sendable, Equatable {
    /// Per-device sequence number, starting at 0 like ThingsBoard's.
    public var id: Int
    public var method: String
    /// The `params` JSON exactly as the caller gave it.
    public var paramsJSON: String

    /// `{"method":…,"params":…}` as MQTT sends it; `includeID` adds `"id"` as the HTTP long poll does.
    public func json(includeID: Bool) -> String {
        var out = "{"
        if includeID { out += "\"id\":\(id)," }
        out += "\"method\":"
        JSONValue.writeString(method, to: &out)
        out += ",\"params\":" + paramsJSON + "}"
        return out
    }
}

/// A live connection of a device that can receive pushes: an MQTT session or an HTTP long poll.
public protocol DeviceSessionSink: AnyObject, Sendable {
    /// Sends changed shared attributes, `{"key":value}` or `{"deleted":[…]}`.
    func pushAttributeUpdate(_ json: String)
    /// Offers a server-side RPC. Returns false if this sink cannot take it (a long poll that already answered);
    /// otherwise calls `delivered` once the device has it.
    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool
    /// The device was deleted or its credentials changed: end the session.
    func close(reason: String)
    /// The server is shutting down: a session that would hold the shutdown (an HTTP long poll) ends now.
    func serverStopping()
}

extension DeviceSessionSink {
    /// MQTT sessions end with their listener; nothing to do by default.
    public func serverStopping() {}
}
