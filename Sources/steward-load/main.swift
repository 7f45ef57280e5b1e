import ArgumentParser
import Dispatch
import Foundation
import MQTTCore
import NIOCore
import NIOPosix

/// `steward-load`: an MQTT telemetry load generator for Steward (or any MQTT broker).
struct StewardLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steward-load",
        abstract: "MQTT telemetry load generator (ThingsBoard device API: PUBLISH v1/devices/me/telemetry).",
        discussion: """
            Opens --connections MQTT connections (username = access token), then publishes telemetry JSON \
            until --messages per connection were sent or --duration seconds passed.
            QoS 1: at most --window un-acknowledged PUBLISHes per connection; the rate counts acknowledged \
            messages and the latency is PUBLISH write -> PUBACK.
            QoS 0: after the last message every connection sends one QoS 1 "fence" PUBLISH and waits for its \
            PUBACK, so the rate (sent / time until the fences are acknowledged) reflects what the broker read, \
            not just what was written to the socket.
            --idle: connect, keep the connections open with PINGREQs for --duration seconds, publish nothing.
            The process always exits: by --max-seconds (default: duration + 60) at the latest.
            """)

    @Option(help: "Broker address.") var host = "127.0.0.1"
    @Option(help: "Broker MQTT port.") var port = 1883
    @Option(help: "Number of MQTT connections.") var connections = 10
    @Option(help: "File with one username (access token) per line; connection i uses line i mod count.")
    var tokensFile: String?
    @Option(help: "Username for every connection when --tokens-file is absent.") var username: String?
    @Option(help: "QoS of the telemetry PUBLISHes: 0 or 1.") var qos = 1
    @Option(help: "Max in-flight un-acknowledged QoS 1 messages per connection.") var window = 20
    @Option(help: "Messages per connection (default when neither this nor --duration is given: 1000).")
    var messages: Int?
    @Option(help: "Publish (or, with --idle, stay connected) for this many seconds.") var duration: Double?
    @Option(help: "Per-connection cap in messages per second (default: unlimited).") var rate: Double?
    @Option(help: "Pad each payload to at least this many bytes with a \"pad\" string key (default: ~75-byte telemetry JSON).")
    var payloadSize: Int?
    @Option(
        help: ArgumentHelp(
            "unique (default): ts = max(wall clock ms, previous + 1) per connection, so every message is a new data point; "
                + "wall: plain wall-clock ms (equal ts overwrite each other); none: no ts, the server stamps readings."))
    var timestamps = "unique"
    @Option(help: "Telemetry topic.") var topic = "v1/devices/me/telemetry"
    @Option(help: "MQTT protocol version: 3.1.1 or 5.") var mqttVersion = "3.1.1"
    @Option(help: "CONNECT keep-alive in seconds; a PINGREQ is sent after half of it without traffic.")
    var keepAlive = 60
    @Flag(help: "Only connect and keep the connections alive for --duration seconds; publish nothing.")
    var idle = false
    @Option(help: "Maximum concurrent connection attempts.") var connectConcurrency = 200
    @Option(help: "Event loop threads.") var threads = 2
    @Option(help: "Seconds to wait for outstanding acks / fences after sending stopped.") var drainTimeout = 30.0
    @Option(help: "Hard cap on the whole run in seconds (default: duration + 60, or 300 with --messages).")
    var maxSeconds: Double?
    @Flag(help: "Print the report as one JSON object.") var json = false

    func validate() throws {
        guard connections > 0 else { throw ValidationError("--connections must be positive") }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
        guard (1...65_000).contains(window) else { throw ValidationError("--window must be 1...65000") }
        guard TimestampMode(rawValue: timestamps) != nil else { throw ValidationError("--timestamps must be unique, wall or none") }
        guard ["3.1.1", "5"].contains(mqttVersion) else { throw ValidationError("--mqtt-version must be 3.1.1 or 5") }
        if idle, duration == nil { throw ValidationError("--idle needs --duration") }
        if let messages, messages < 1 { throw ValidationError("--messages must be positive") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        guard (0...65_535).contains(keepAlive) else { throw ValidationError("--keep-alive must be 0...65535") }
        guard threads > 0, connectConcurrency > 0 else { throw ValidationError("--threads/--connect-concurrency must be positive") }
    }

    func run() throws {
        let limits = raiseOpenFileLimit()
        if UInt64(connections) + 64 > limits.soft {
            FileHandle.standardError.write(
                Data("steward-load: warning: open file limit is \(limits.soft) (hard \(limits.hard)); \(connections) connections may fail\n".utf8))
        }

        // Hard cap: whatever happens, the process ends.
        let messageMode = !idle && (messages != nil || duration == nil)
        let hardCap = maxSeconds ?? (duration.map { $0 + 60 } ?? 300)
        DispatchQueue.global().asyncAfter(deadline: .now() + hardCap) {
            FileHandle.standardError.write(Data("steward-load: hard time cap of \(hardCap) s reached, exiting\n".utf8))
            Foundation.exit(3)
        }

        let tokens = try loadTokens()
        let version: MQTTProtocolVersion = mqttVersion == "5" ? .v5 : .v3_1_1
        let settings = LoadSettings(
            version: version,
            qos: qos == 0 ? .atMostOnce : .atLeastOnce,
            window: window,
            messagesPerConnection: messageMode ? (messages ?? 1_000) : nil,
            rate: rate,
            payload: TelemetryPayload(targetSize: payloadSize, timestamps: TimestampMode(rawValue: timestamps) ?? .unique),
            topic: topic,
            keepAliveSeconds: UInt16(keepAlive),
            idle: idle,
            connackTimeout: .seconds(15))
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let run = LoadRun(connectConcurrency: connectConcurrency)
        let pid = ProcessInfo.processInfo.processIdentifier

        // Connect phase.
        let connectStart = monotonicNanos()
        let connectDeadline = DispatchTime.now() + min(120, hardCap / 2)
        var attempted = 0
        for index in 0..<connections {
            guard run.connectSlots.wait(timeout: connectDeadline) == .success else { break }
            attempted += 1
            let token = tokens.isEmpty ? nil : tokens[index % tokens.count]
            let clientID = "steward-load-\(pid)-\(index)"
            ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = LoadHandler(settings: settings, run: run, index: index, username: token, clientID: clientID)
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(MQTTPacketDecoder(version: version)), handler)
                    }
                }
                .connect(to: address)
                .whenFailure { error in run.connectFailed("\(error)") }
        }
        // Wait until every attempt has an outcome (all slots back).
        var slotsBack = 0
        while slotsBack < connectConcurrency, run.connectSlots.wait(timeout: connectDeadline) == .success {
            slotsBack += 1
        }
        let connectPhaseSeconds = Double(monotonicNanos() - connectStart) / 1e9
        let channels = run.snapshotChannels()
        if !json {
            print("steward-load: \(channels.count)/\(connections) connections established in \(String(format: "%.3f", connectPhaseSeconds)) s")
        }

        // Load phase.
        let startedAt = monotonicNanos()
        let stopAt = duration.map { startedAt + UInt64($0 * 1e9) } ?? .max
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(LoadEvent.start(startedAt: startedAt, stopAt: stopAt))
        }
        if idle {
            Thread.sleep(forTimeInterval: duration ?? 0)
            for channel in channels { channel.pipeline.fireUserInboundEventTriggered(LoadEvent.stop) }
        }
        let elapsedSoFar = Double(monotonicNanos() - connectStart) / 1e9
        let waitBudget: Double = messageMode
            ? max(1, hardCap - elapsedSoFar - 10)
            : max(1, min((duration ?? 0) + drainTimeout, hardCap - elapsedSoFar - 10))
        var aborted = false
        if run.finished.wait(timeout: .now() + waitBudget) == .timedOut {
            aborted = true
            for channel in channels { channel.pipeline.fireUserInboundEventTriggered(LoadEvent.abort) }
            _ = run.finished.wait(timeout: .now() + 5)
        }
        let results = run.snapshotResults()

        // Goodbye.
        let closes = channels.map { channel -> EventLoopFuture<Void> in
            channel.pipeline.fireUserInboundEventTriggered(LoadEvent.close)
            return channel.closeFuture
        }
        let closed = DispatchSemaphore(value: 0)
        EventLoopFuture.andAllComplete(closes, on: group.next()).whenComplete { _ in closed.signal() }
        _ = closed.wait(timeout: .now() + 10)

        let report = makeReport(
            settings: settings, run: run, results: results, startedAt: startedAt, connectPhaseSeconds: connectPhaseSeconds,
            aborted: aborted, attempted: attempted)
        print(json ? report.json() : report.text())
        try? group.syncShutdownGracefully()
    }

    private func loadTokens() throws -> [String] {
        if let tokensFile {
            let text = try String(contentsOfFile: tokensFile, encoding: .utf8)
            let tokens = text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            guard !tokens.isEmpty else { throw ValidationError("\(tokensFile) contains no tokens") }
            return tokens
        }
        return username.map { [$0] } ?? []
    }

    private func makeReport(
        settings: LoadSettings, run: LoadRun, results: [ConnectionResult], startedAt: UInt64,
        connectPhaseSeconds: Double, aborted: Bool, attempted: Int
    ) -> LoadReport {
        var sent = 0, acked = 0, rejected = 0, unacked = 0, disconnects = 0, pings = 0, pongs = 0, open = 0
        var lastFinish = startedAt, lastWrite = startedAt, lastFence = startedAt
        var latencies: [UInt32] = []
        var sampleErrors: [String: Int] = [:]
        var anyAborted = aborted
        for result in results {
            sent += result.sent
            acked += result.acked
            rejected += result.rejected
            unacked += result.unacked
            if result.disconnected { disconnects += 1 }
            if result.aborted { anyAborted = true }
            pings += result.pingsSent
            pongs += result.pingResponses
            if result.stillOpen { open += 1 }
            lastFinish = max(lastFinish, result.finishedAt)
            lastWrite = max(lastWrite, result.writesDoneAt)
            lastFence = max(lastFence, result.fenceAckedAt)
            latencies.append(contentsOf: result.latenciesMicros)
            if let error = result.error { sampleErrors[error, default: 0] += 1 }
        }
        let connectInfo = run.snapshotConnect()
        let elapsed = Double(lastFinish - startedAt) / 1e9
        let isQoS0 = settings.qos == .atMostOnce
        var report = LoadReport(
            mode: idle ? "idle" : "publish",
            host: host, port: port,
            protocolVersion: settings.version.description,
            qos: qos, window: window,
            ratePerConnection: rate,
            messagesPerConnection: settings.messagesPerConnection,
            durationSeconds: settings.messagesPerConnection == nil ? duration : nil,
            payloadBytes: Self.samplePayloadSize(settings.payload),
            timestamps: settings.payload.timestamps.rawValue,
            connectionsRequested: connections,
            connectionsEstablished: connectInfo.latencies.count,
            connectFailures: connectInfo.failures + (connections - attempted),
            connectErrors: connectInfo.errors,
            connectPhaseSeconds: connectPhaseSeconds,
            connectLatencyMs: LatencySummary(micros: connectInfo.latencies),
            messagesSent: sent, messagesAcked: acked, messagesRejected: rejected, messagesUnacked: unacked,
            disconnects: disconnects, errors: 0, aborted: anyAborted,
            elapsedSeconds: elapsed, messagesPerSecond: 0, rateBasis: "", rateValid: !anyAborted,
            writeRatePerSecond: nil, fenceWaitSeconds: nil,
            ackLatencyMs: LatencySummary(micros: latencies),
            pingsSent: pings, pingResponses: pongs, connectionsOpenAtEnd: open,
            sampleErrors: sampleErrors.sorted { $0.value > $1.value }.prefix(5).map { "x\($0.value): \($0.key)" })
        if connections - attempted > 0 {
            report.connectErrors["not attempted (connect phase timed out)", default: 0] += connections - attempted
        }
        report.errors = report.connectFailures + disconnects + rejected + unacked
        if idle {
            report.rateBasis = "idle"
        } else if isQoS0 {
            let fenced = results.filter { $0.fenceAckedAt != 0 }.count
            report.errors += results.count - fenced  // connections whose fence never came back
            let writeSeconds = Double(lastWrite - startedAt) / 1e9
            report.writeRatePerSecond = writeSeconds > 0 ? Double(sent) / writeSeconds : 0
            report.fenceWaitSeconds = Double(lastFence > lastWrite ? lastFence - lastWrite : 0) / 1e9
            report.messagesPerSecond = elapsed > 0 ? Double(sent) / elapsed : 0
            report.rateBasis = "QoS 0: sent messages / time until every connection's QoS 1 fence was acknowledged"
            if fenced < results.count || results.isEmpty {
                report.rateValid = false
                report.messagesPerSecond = 0
                report.rateBasis = "QoS 0: \(results.count - fenced) of \(results.count) fences not acknowledged "
                    + "within --drain-timeout \(drainTimeout) s, so the broker's consumption rate is unknown"
            }
        } else {
            report.messagesPerSecond = elapsed > 0 ? Double(acked) / elapsed : 0
            report.rateBasis = "QoS 1: acknowledged messages / time until the last PUBACK"
        }
        return report
    }

    private static func samplePayloadSize(_ payload: TelemetryPayload) -> Int {
        var buffer = ByteBufferAllocator().buffer(capacity: 128)
        payload.write(seq: 1_000, timestampMillis: wallClockMillis(), connection: 0, to: &buffer)
        return buffer.readableBytes
    }
}

StewardLoad.main()
