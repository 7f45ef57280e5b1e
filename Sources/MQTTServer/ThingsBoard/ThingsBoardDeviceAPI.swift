import NIOCore
import StewardCore
import StewardDevices

/// The device-service calls the ThingsBoard dialect makes, with payloads as they come off the wire.
///
/// `ThingsBoardServices` forwards them to `DeviceService` and `ProvisioningService`; tests put a fake in its place
/// so a session can be driven without a database.
protocol ThingsBoardDeviceAPI: Sendable {
    /// Where the session registers for shared-attribute pushes and server-side RPC.
    var hub: DeviceHub { get }
    func authenticate(token: String) async throws -> Device?
    /// The ingest hot path: `completion` runs once the readings are committed (or refused), on any thread.
    func submitTelemetry(
        _ device: Device, payload: ByteBuffer, completion: @escaping @Sendable (Result<Void, any Error>) -> Void)
    func saveClientAttributes(_ device: Device, payload: ByteBuffer) async throws
    /// The response JSON for an attribute request payload (`{"clientKeys":…,"sharedKeys":…}`).
    func attributeResponse(_ device: Device, request: ByteBuffer) async throws -> String
    func replyRPC(_ device: Device, id: Int, payload: ByteBuffer)
    /// The reply JSON to a client-side RPC.
    func clientRPC(_ device: Device, payload: ByteBuffer) throws -> String
    func offerClaim(_ device: Device, payload: ByteBuffer) async throws
    /// The response JSON to a provisioning request; never throws (failures are answered in the JSON).
    func provision(payload: ByteBuffer) async -> String
}

/// The real device API: Steward's services.
struct ThingsBoardServices: ThingsBoardDeviceAPI {
    let devices: DeviceService
    let provisioning: ProvisioningService

    var hub: DeviceHub { devices.hub }

    func authenticate(token: String) async throws -> Device? {
        try await devices.authenticate(token: token)
    }

    func submitTelemetry(
        _ device: Device, payload: ByteBuffer, completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        devices.submitTelemetry(device, payload: payload.readableBytesView, completion: completion)
    }

    func saveClientAttributes(_ device: Device, payload: ByteBuffer) async throws {
        try await devices.saveClientAttributes(device, payload: payload.readableBytesView)
    }

    func attributeResponse(_ device: Device, request: ByteBuffer) async throws -> String {
        let keys = try devices.parseAttributeRequest(request.readableBytesView)
        return try await devices.attributeResponse(device, clientKeys: keys.client, sharedKeys: keys.shared)
    }

    func replyRPC(_ device: Device, id: Int, payload: ByteBuffer) {
        devices.replyRPC(device, id: id, payload: payload.readableBytesView)
    }

    func clientRPC(_ device: Device, payload: ByteBuffer) throws -> String {
        try devices.clientRPC(device, payload: payload.readableBytesView)
    }

    func offerClaim(_ device: Device, payload: ByteBuffer) async throws {
        try await devices.offerClaim(device, payload: payload.readableBytesView)
    }

    func provision(payload: ByteBuffer) async -> String {
        await provisioning.provision(payload: payload.readableBytesView)
    }
}
