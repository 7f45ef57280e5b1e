/// Whether a command typed into the console goes to the device hub or is answered at once, decided from what the
/// server knows of the device's connection and activity (ThingsBoard answers a non-persistent RPC to an offline
/// device at once with 409 "Device is offline" rather than letting the caller wait).
///
/// The honest middle case: `DeviceHub.callRPC` keeps a request made while no session listens waiting until its
/// timeout, so that a device which polls over HTTP between requests still gets it. The hub's `connected` sees MQTT
/// sessions only (an HTTP device is "connected" only while one long poll is open), so a device that is not connected
/// but still active (it reported within its profile's inactivity timeout) is most likely such an HTTP device, or an
/// MQTT device that just dropped and may come back: the request is sent and waits. A device neither connected nor
/// active is offline by every measure we have, and nothing is sent: a request queued for it would otherwise reach it
/// stale, whenever it next connects. (An HTTP device that only polls and never reports telemetry counts as offline
/// here; it still gets commands sent over REST, which always wait.)
public enum CommandDelivery: Sendable, Equatable {
    /// A live session: send, and wait for the answer.
    case send
    /// No live session, but recent activity: send, and let it wait for the device's next poll.
    case sendAndWait
    /// Offline: nothing is sent, the console says so at once.
    case notSent

    public static func decide(connected: Bool, active: Bool) -> CommandDelivery {
        if connected { return .send }
        return active ? .sendAndWait : .notSent
    }

    /// What the console says when nothing was sent.
    public static func offlineResult(_ command: DeviceCommand, device: String) -> DeviceCommandResult {
        DeviceCommandResult(
            ok: false,
            message: "\(device) is not connected; nothing was sent. Send '\(command.method)' again once it is online (the page shows Active then).")
    }
}
