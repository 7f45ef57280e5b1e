import NIOCore
import StewardCore
import StewardDevices
import Synchronization

@testable import MQTTServer

/// A device API with no database: tokens map to devices, and telemetry completions wait until the test releases
/// them, in whatever order it chooses.
final class FakeDeviceAPI: ThingsBoardDeviceAPI {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    struct State {
        var devices: [String: Device] = [:]
        /// Telemetry submitted and not yet committed, in arrival order, with its payload.
        var pendingTelemetry: [(payload: String, completion: Completion)] = []
        var rpcReplies: [(id: Int, payload: String)] = []
    }

    let hub = DeviceHub()
    let state = Mutex(State())
    /// When set, a telemetry payload equal to this fails at once with a bad-request error (like invalid JSON).
    let badPayload: String?

    init(devices: [Device] = [], badPayload: String? = nil) {
        self.badPayload = badPayload
        state.withLock { state in
            for device in devices { state.devices[device.accessToken] = device }
        }
    }

    static func device(token: String) -> Device {
        Device(tenantID: TenantID(), name: "sensor-\(token)", accessToken: token, createdTime: 1)
    }

    var pendingTelemetryCount: Int { state.withLock { $0.pendingTelemetry.count } }

    /// Commits the pending telemetry at `index` (in arrival order among those still pending).
    func commitTelemetry(at index: Int) {
        let completion = state.withLock { $0.pendingTelemetry.remove(at: index).completion }
        completion(.success(()))
    }

    func authenticate(token: String) async throws -> Device? {
        state.withLock { $0.devices[token] }
    }

    func submitTelemetry(_ device: Device, payload: ByteBuffer, completion: @escaping Completion) {
        let text = String(buffer: payload)
        if text == badPayload {
            completion(.failure(StewardError.badRequest("Invalid JSON")))
            return
        }
        state.withLock { $0.pendingTelemetry.append((text, completion)) }
    }

    func saveClientAttributes(_ device: Device, payload: ByteBuffer) async throws {}

    func attributeResponse(_ device: Device, request: ByteBuffer) async throws -> String { "{}" }

    func replyRPC(_ device: Device, id: Int, payload: ByteBuffer) {
        state.withLock { $0.rpcReplies.append((id, String(buffer: payload))) }
    }

    func clientRPC(_ device: Device, payload: ByteBuffer) throws -> String {
        #"{"time":1}"#
    }

    func offerClaim(_ device: Device, payload: ByteBuffer) async throws {}

    func provision(payload: ByteBuffer) async -> String {
        #"{"status":"SUCCESS"}"#
    }
}

/// Collects what the dialect reports for a PUBLISH.
final class RecordedCompletion: PublishCompletion {
    enum Event: Equatable {
        case finished(AckOutcome)
        case failed(String)
    }

    let events = Mutex<[Event]>([])

    func finish(_ outcome: AckOutcome) { events.withLock { $0.append(.finished(outcome)) } }
    func fail(_ error: any Error) { events.withLock { $0.append(.failed("\(error)")) } }

    var recorded: [Event] { events.withLock { $0 } }
}
