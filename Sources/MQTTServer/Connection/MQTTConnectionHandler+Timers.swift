import Logging
import MQTTCore
import NIOCore

extension MQTTConnectionHandler {
    /// Closes a connection that has not sent CONNECT within `connectTimeoutSeconds`.
    func startConnectTimer() {
        guard closeTimer == nil, case .awaitingConnect = machine.state else { return }
        closeTimer = schedule(in: .seconds(configuration.connectTimeoutSeconds)) { handler in
            handler.perform(handler.machine.connectDeadlinePassed())
        }
    }

    /// Checks the keep-alive at `deadline` (1.5 keep-alive periods after the client was last heard from).
    func scheduleKeepAliveCheck(at deadline: NIODeadline) {
        guard let context else { return }
        let bound = loopBound
        keepAliveTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let handler = bound.value
            switch handler.machine.keepAliveCheckDue(now: .now()) {
            case .none:
                break
            case .checkAgain(let next):
                handler.scheduleKeepAliveCheck(at: next)
            case .close(let close):
                handler.logger.info("Closing an MQTT session that missed its keep-alive")
                handler.perform(close)
            }
        }
    }

    /// A provisioning session never authenticates: it gets a fixed lifetime from CONNECT, keep-alive 0 or not, so
    /// such sessions cannot pile up and hold connections (MQTT 5 clients are told why: 0xA0, maximum connect time).
    func startProvisioningLifetime() {
        lifetimeTimer = schedule(in: .seconds(configuration.provisioningSessionSeconds)) { handler in
            let close = handler.machine.lifetimeEnded()
            if close != .none { handler.logger.debug("Closing a provisioning session at the end of its lifetime") }
            handler.perform(close)
        }
    }

    /// ThingsBoard ends a provisioning session a minute after answering it.
    func closeAfterProvisioningAnswer() {
        closeTimer?.cancel()
        closeTimer = schedule(in: .seconds(60)) { handler in
            handler.perform(handler.machine.close())
        }
    }

    func schedule(in delay: TimeAmount, _ action: @escaping (MQTTConnectionHandler) -> Void) -> Scheduled<Void>? {
        guard let context else { return nil }
        let bound = loopBound
        return context.eventLoop.assumeIsolated().scheduleTask(in: delay) { action(bound.value) }
    }
}
