import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

/// The hub's handle on an MQTT session: hops every push onto the session's event loop.
final class MQTTSessionSink: DeviceSessionSink {
    let device: DeviceID
    let handler: NIOLoopBound<MQTTConnectionHandler>
    let eventLoop: any EventLoop

    init(device: DeviceID, handler: NIOLoopBound<MQTTConnectionHandler>, eventLoop: any EventLoop) {
        self.device = device
        self.handler = handler
        self.eventLoop = eventLoop
    }

    func pushAttributeUpdate(_ json: String) {
        let handler = self.handler
        eventLoop.execute {
            handler.value.push(topic: DeviceTopics.attributes, payload: json, filter: DeviceTopics.attributes, delivered: nil)
        }
    }

    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool {
        let handler = self.handler
        eventLoop.execute {
            handler.value.push(
                topic: DeviceTopics.rpcRequestPrefix + String(request.id), payload: request.json(includeID: false),
                filter: DeviceTopics.rpcRequestFilter, delivered: delivered)
        }
        return true
    }

    func close(reason: String) {
        let handler = self.handler
        eventLoop.execute { handler.value.disconnect(MQTTReasonCode.administrativeAction) }
    }
}
