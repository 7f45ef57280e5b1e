import Dispatch
import Foundation
import MQTTCore
import NIOCore

/// Settings every connection handler shares.
struct LoadSettings: Sendable {
    var version: MQTTProtocolVersion
    var qos: MQTTQoS
    /// Maximum un-acknowledged QoS 1 PUBLISHes per connection.
    var window: Int
    /// Messages per connection, or nil to publish until the deadline.
    var messagesPerConnection: Int?
    /// Per-connection cap in messages per second, or nil for as fast as possible.
    var rate: Double?
    var payload: TelemetryPayload
    var topic: String
    var keepAliveSeconds: UInt16
    var idle: Bool
    /// How long a connection may wait for its CONNACK.
    var connackTimeout: TimeAmount
}

/// Events the driver sends down each pipeline (thread-safe via `ChannelPipeline.fireUserInboundEventTriggered`).
enum LoadEvent: Sendable {
    /// Begin publishing (or idling) now; stop sending new messages at `stopAt` (monotonic ns).
    case start(startedAt: UInt64, stopAt: UInt64)
    /// Stop sending; finish when the outstanding acks (or the fence) arrive.
    case stop
    /// Give up waiting: report whatever was acknowledged.
    case abort
    /// Say goodbye (DISCONNECT) and close.
    case close
}

/// What one connection reports when it has finished.
struct ConnectionResult: Sendable {
    var sent = 0
    var acked = 0
    /// PUBACKs with an MQTT 5 reason code >= 0x80.
    var rejected = 0
    /// QoS 1 messages never acknowledged (lost with a disconnect or still pending at abort).
    var unacked = 0
    var unexpectedAcks = 0
    var latenciesMicros: [UInt32] = []
    /// Monotonic ns when the connection finished (last ack / fence ack / stop).
    var finishedAt: UInt64 = 0
    /// QoS 0: monotonic ns when the last publish (and the fence) had been written to the socket.
    var writesDoneAt: UInt64 = 0
    /// QoS 0: monotonic ns when the fence was acknowledged (0 = never).
    var fenceAckedAt: UInt64 = 0
    var disconnected = false
    var aborted = false
    var pingsSent = 0
    var pingResponses = 0
    var stillOpen = false
    var error: String?
}

/// Thread-safe meeting point between the driver thread and the connection handlers on the event loops.
final class LoadRun: @unchecked Sendable {
    private let lock = NSLock()
    /// Limits concurrent connection attempts; signalled once per attempt when its outcome is known.
    let connectSlots: DispatchSemaphore
    /// Entered once per established connection, left when that connection reports its result.
    let finished = DispatchGroup()

    private(set) var channels: [any Channel] = []
    private(set) var connectLatenciesMicros: [UInt32] = []
    private(set) var connectFailures = 0
    private(set) var connectErrors: [String: Int] = [:]
    private(set) var results: [ConnectionResult] = []
    private(set) var lostBeforeStart = 0

    init(connectConcurrency: Int) {
        // Start at 0 and signal up: libdispatch traps when a semaphore is released holding less than its
        // initial value, which is legitimately the case here if the connect phase times out.
        self.connectSlots = DispatchSemaphore(value: 0)
        for _ in 0..<connectConcurrency { self.connectSlots.signal() }
    }

    func connected(_ channel: any Channel, latencyNanos: UInt64) {
        lock.lock()
        channels.append(channel)
        connectLatenciesMicros.append(UInt32(clamping: latencyNanos / 1_000))
        finished.enter()
        lock.unlock()
        connectSlots.signal()
    }

    func connectFailed(_ reason: String) {
        lock.lock()
        connectFailures += 1
        connectErrors[reason, default: 0] += 1
        lock.unlock()
        connectSlots.signal()
    }

    func report(_ result: ConnectionResult) {
        lock.lock()
        results.append(result)
        lock.unlock()
        finished.leave()
    }

    func snapshotChannels() -> [any Channel] {
        lock.lock()
        defer { lock.unlock() }
        return channels
    }

    func snapshotResults() -> [ConnectionResult] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }

    func snapshotConnect() -> (latencies: [UInt32], failures: Int, errors: [String: Int]) {
        lock.lock()
        defer { lock.unlock() }
        return (connectLatenciesMicros, connectFailures, connectErrors)
    }
}

/// Latency summary in milliseconds.
struct LatencySummary: Codable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double
    var mean: Double

    /// Nearest-rank percentiles over microsecond samples.
    init(micros samples: [UInt32]) {
        count = samples.count
        guard !samples.isEmpty else {
            p50 = 0; p90 = 0; p99 = 0; max = 0; mean = 0
            return
        }
        let sorted = samples.sorted()
        func rank(_ p: Double) -> Double {
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1_000
        }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = Double(sorted[sorted.count - 1]) / 1_000
        mean = Double(sorted.reduce(UInt64(0)) { $0 + UInt64($1) }) / Double(sorted.count) / 1_000
    }
}

/// The report printed at the end (text or `--json`).
struct LoadReport: Codable {
    var mode: String
    var host: String
    var port: Int
    var protocolVersion: String
    var qos: Int
    var window: Int
    var ratePerConnection: Double?
    var messagesPerConnection: Int?
    var durationSeconds: Double?
    var payloadBytes: Int
    var timestamps: String
    var connectionsRequested: Int
    var connectionsEstablished: Int
    var connectFailures: Int
    var connectErrors: [String: Int]
    var connectPhaseSeconds: Double
    var connectLatencyMs: LatencySummary
    var messagesSent: Int
    var messagesAcked: Int
    var messagesRejected: Int
    var messagesUnacked: Int
    var disconnects: Int
    var errors: Int
    var aborted: Bool
    var elapsedSeconds: Double
    /// Acked messages per second for QoS 1; for QoS 0 sent messages per second up to the fence acknowledgement.
    var messagesPerSecond: Double
    /// What `messagesPerSecond` counts.
    var rateBasis: String
    /// False when the rate cannot be trusted: QoS 0 fences that never came back, or an aborted run.
    var rateValid: Bool
    /// QoS 0 only: sent / time until every connection had written all its messages.
    var writeRatePerSecond: Double?
    /// QoS 0 only: seconds from the last write to the last fence PUBACK (the broker's backlog).
    var fenceWaitSeconds: Double?
    var ackLatencyMs: LatencySummary
    var pingsSent: Int
    var pingResponses: Int
    var connectionsOpenAtEnd: Int
    var sampleErrors: [String]

    func text() -> String {
        func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        var lines: [String] = []
        var setup = "steward-load: \(mode) mqtt \(protocolVersion) qos\(qos) \(host):\(port) connections \(connectionsRequested)"
        if mode == "publish" {
            setup += qos == 1 ? " window \(window)" : ""
            if let messagesPerConnection { setup += " messages/conn \(messagesPerConnection)" }
            if let durationSeconds { setup += " duration \(f(durationSeconds, 0))s" }
            if let ratePerConnection { setup += " rate/conn \(f(ratePerConnection, 0))/s" }
            setup += " payload ~\(payloadBytes) B, ts \(timestamps)"
        } else if let durationSeconds {
            setup += " duration \(f(durationSeconds, 0))s"
        }
        lines.append(setup)
        lines.append("connections established: \(connectionsEstablished)/\(connectionsRequested) (failed \(connectFailures))")
        for (reason, count) in connectErrors.sorted(by: { $0.key < $1.key }) {
            lines.append("  connect error x\(count): \(reason)")
        }
        lines.append(
            "connect time: all in \(f(connectPhaseSeconds, 3)) s; per connection p50 \(f(connectLatencyMs.p50)) ms, "
                + "p99 \(f(connectLatencyMs.p99)) ms, max \(f(connectLatencyMs.max)) ms")
        if mode == "publish" {
            lines.append("messages sent: \(messagesSent)")
            lines.append("messages acked: \(messagesAcked)\(qos == 0 ? " (QoS 0: only the fence publishes are acknowledged)" : "")")
        } else {
            lines.append("pings sent: \(pingsSent), ping responses: \(pingResponses)")
            lines.append("connections open at the end: \(connectionsOpenAtEnd)/\(connectionsEstablished)")
        }
        lines.append(
            "errors: \(errors) (connect \(connectFailures), disconnects \(disconnects), rejected \(messagesRejected), "
                + "unacked \(messagesUnacked)\(aborted ? ", ABORTED: gave up waiting" : ""))")
        for error in sampleErrors { lines.append("  error: \(error)") }
        lines.append("elapsed: \(f(elapsedSeconds, 3)) s")
        if mode == "publish" {
            if rateValid {
                lines.append("messages/s: \(f(messagesPerSecond, 1)) (\(rateBasis))")
            } else {
                lines.append("messages/s: UNKNOWN (\(rateBasis)); sent / elapsed would be \(f(Double(messagesSent) / max(elapsedSeconds, 1e-9), 1))")
            }
            if let writeRatePerSecond, let fenceWaitSeconds {
                lines.append("  QoS 0 write rate: \(f(writeRatePerSecond, 1)) msg/s; fence acknowledged \(f(fenceWaitSeconds, 3)) s after the last write")
            }
            let label = qos == 1 ? "ack latency" : "fence ack latency"
            lines.append(
                "\(label) ms: p50 \(f(ackLatencyMs.p50)) p90 \(f(ackLatencyMs.p90)) p99 \(f(ackLatencyMs.p99)) "
                    + "max \(f(ackLatencyMs.max)) (n=\(ackLatencyMs.count))")
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
