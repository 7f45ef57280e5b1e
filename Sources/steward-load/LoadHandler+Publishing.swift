import MQTTCore
import NIOCore

/// Publishing: the window, the rate cap, timestamps, and PUBACK bookkeeping.
extension LoadHandler {
    // MARK: Publishing

    func start(startedAt: UInt64, stopAt: UInt64) {
        self.startedAt = startedAt
        self.stopAt = stopAt
        if settings.idle {
            phase = .running
            return
        }
        phase = .running
        let window = settings.qos == .atLeastOnce ? settings.window : 0
        // Packet IDs 1...window for the data, window + 1 for the QoS 0 fence.
        fenceID = UInt16(window + 1)
        sentAt = Array(repeating: 0, count: window + 2)
        freeIDs = (1...max(1, window)).reversed().map { UInt16($0) }
        if window == 0 { freeIDs = [] }
        if stopAt != .max, let context {
            let delay = stopAt > startedAt ? Int64(stopAt - startedAt) : 0
            stopTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [self] in
                if phase == .running {
                    stopSending()
                    flushPending()
                }
            }
        }
        if settings.rate != nil { scheduleTick() }
        pump()
    }

    /// Number of messages the rate limit allows by `now` (Int.max when unlimited).
    @inline(__always)
    func rateAllowance(now: UInt64) -> Int {
        guard let rate = settings.rate else { return .max }
        let due = Int(Double(now &- startedAt) * rate / 1e9) + 1
        return due - result.sent
    }

    /// Sends as much as the window, the rate, the budget and the socket allow, then flushes.
    func pump() {
        fill()
        flushPending()
        // QoS 0 without a rate limit: keep going after the event loop had a chance to read/write.
        if settings.qos == .atMostOnce, phase == .running, settings.rate == nil, !pumpScheduled,
            context?.channel.isWritable == true, let context
        {
            pumpScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                pumpScheduled = false
                if phase == .running { pump() }
            }
        }
    }

    func fill() {
        guard phase == .running, !stopped, let context else { return }
        let now = monotonicNanos()
        if now >= stopAt {
            stopSending()
            return
        }
        var allowance = rateAllowance(now: now)
        if let budget = settings.messagesPerConnection {
            allowance = min(allowance, budget - result.sent)
        }
        let timestamp = settings.payload.timestamps == .none ? 0 : wallClockMillis()
        if settings.qos == .atLeastOnce {
            while allowance > 0, let id = freeIDs.popLast() {
                appendPublish(id: id, qos: .atLeastOnce, now: now, timestamp: timestamp)
                allowance -= 1
            }
        } else {
            var batch = 0
            let writable = context.channel.isWritable
            while allowance > 0, batch < 128, writable {
                appendPublish(id: nil, qos: .atMostOnce, now: now, timestamp: timestamp)
                allowance -= 1
                batch += 1
            }
        }
        if let budget = settings.messagesPerConnection, result.sent >= budget {
            stopSending()
        }
    }

    func appendPublish(id: UInt16?, qos: MQTTQoS, now: UInt64, timestamp: Int64) {
        seq &+= 1
        payloadScratch.clear()
        settings.payload.write(seq: seq, timestampMillis: nextTimestamp(timestamp), connection: index, to: &payloadScratch)
        let publish = MQTTPublish(topic: settings.topic, payload: payloadScratch, qos: qos, packetID: id)
        appendPacket(.publish(publish))
        if let id {
            sentAt[Int(id)] = now
            inflight += 1
        }
        result.sent += 1
    }

    /// With `.unique`, never repeats or goes back: max(wall clock, previous + 1).
    @inline(__always)
    func nextTimestamp(_ wall: Int64) -> Int64 {
        guard settings.payload.timestamps == .unique else { return wall }
        lastTimestamp = max(wall, lastTimestamp &+ 1)
        return lastTimestamp
    }

    func appendPacket(_ packet: MQTTPacket) {
        if pending == nil, let context {
            pending = context.channel.allocator.buffer(capacity: 4_096)
        }
        packet.write(to: &pending!, version: settings.version)
    }

    func flushPending(promise: EventLoopPromise<Void>? = nil) {
        guard let buffer = pending, let context else {
            promise?.succeed(())
            return
        }
        pending = nil
        lastSendAt = monotonicNanos()
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    /// No new data messages from now on. QoS 1 finishes when the window drains; QoS 0 sends the fence.
    func stopSending() {
        guard !stopped, phase == .running else { return }
        stopped = true
        phase = .draining
        tickTimer?.cancel()
        stopTimer?.cancel()
        if settings.qos == .atMostOnce {
            guard let context else { return finish() }
            // The fence: a QoS 1 publish behind everything sent so far.
            let now = monotonicNanos()
            seq &+= 1
            payloadScratch.clear()
            settings.payload.write(
                seq: seq, timestampMillis: nextTimestamp(wallClockMillis()), connection: index, to: &payloadScratch)
            appendPacket(.publish(MQTTPublish(topic: settings.topic, payload: payloadScratch, qos: .atLeastOnce, packetID: fenceID)))
            fenceSentAt = now
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenSuccess { [self] _ in
                result.writesDoneAt = monotonicNanos()
            }
            flushPending(promise: promise)
        } else if inflight == 0 {
            finish()
        }
    }

    func handleAck(_ ack: MQTTAck) {
        let now = monotonicNanos()
        if settings.qos == .atMostOnce {
            guard ack.packetID == fenceID, fenceSentAt != 0, result.fenceAckedAt == 0 else {
                result.unexpectedAcks += 1
                return
            }
            result.fenceAckedAt = now
            result.latenciesMicros.append(UInt32(clamping: (now &- fenceSentAt) / 1_000))
            if ack.reasonCode >= 0x80 { result.rejected += 1 }
            if phase == .draining { finish() }
            return
        }
        let id = Int(ack.packetID)
        guard id < sentAt.count, sentAt[id] != 0 else {
            result.unexpectedAcks += 1
            return
        }
        result.latenciesMicros.append(UInt32(clamping: (now &- sentAt[id]) / 1_000))
        sentAt[id] = 0
        freeIDs.append(UInt16(id))
        inflight -= 1
        result.acked += 1
        if ack.reasonCode >= 0x80 { result.rejected += 1 }
        if phase == .draining {
            if inflight == 0 { finish() }
        } else {
            fill()  // flushed in channelReadComplete
        }
    }

    func finish() {
        guard phase != .finished, phase != .connecting else { return }
        let wasIdle = settings.idle
        phase = .finished
        flushPending()
        cancelTimers()
        result.finishedAt = monotonicNanos()
        if settings.qos == .atLeastOnce, !wasIdle {
            result.unacked = inflight
        }
        result.stillOpen = context?.channel.isActive ?? false
        run.report(result)
        result.latenciesMicros = []
    }
}
