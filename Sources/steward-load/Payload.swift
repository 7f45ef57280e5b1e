import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic nanoseconds (the same clock `DispatchTime.now().uptimeNanoseconds` reads: CLOCK_MONOTONIC on Linux,
/// the mach clock on Darwin), taken straight from the C library to keep the hot path allocation-free.
@inline(__always)
func monotonicNanos() -> UInt64 {
    #if canImport(Darwin)
    return clock_gettime_nsec_np(CLOCK_UPTIME_RAW)
    #else
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    #endif
}

/// Wall-clock milliseconds since the epoch, for the `ts` field of the telemetry payload.
@inline(__always)
func wallClockMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) &* 1_000 &+ Int64(ts.tv_nsec) / 1_000_000
}

/// Raises the soft RLIMIT_NOFILE to the hard limit (10,000 idle connections need more than the usual 1,024).
/// Returns the (soft, hard) limits in force afterwards.
func raiseOpenFileLimit() -> (soft: UInt64, hard: UInt64) {
    var limit = rlimit()
    #if os(Linux)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let resource = RLIMIT_NOFILE
    #endif
    guard getrlimit(resource, &limit) == 0 else { return (0, 0) }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(resource, &raised) == 0 { limit = raised }
    }
    return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
}

extension ByteBuffer {
    /// Writes a non-negative integer in decimal ASCII without going through String.
    @inline(__always)
    mutating func writeDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let start = self.writerIndex
        self.writeRepeatingByte(UInt8(ascii: "0"), count: digits)
        var remaining = value
        var position = start + digits - 1
        while position >= start {
            self.setInteger(UInt8(ascii: "0") &+ UInt8(remaining % 10), at: position)
            remaining /= 10
            position -= 1
        }
    }
}

/// How the `ts` of each reading is chosen.
enum TimestampMode: String, Sendable {
    /// Wall-clock milliseconds, but strictly increasing per connection (max(now, previous + 1)), so every
    /// message is a distinct data point (ThingsBoard and Steward overwrite a key's value at an equal ts).
    case unique
    /// Plain wall-clock milliseconds; several messages per millisecond overwrite each other in storage.
    case wall
    /// No `ts`/`values` wrapper: `{"temperature":…}`, the server stamps the reading.
    case none
}

/// Builds ThingsBoard telemetry JSON such as
/// `{"ts":1763860000000,"values":{"temperature":21.5,"humidity":40,"seq":17}}`
/// with values that vary with the sequence number, optionally padded (with a `"pad":"xxx…"` key inside
/// `values`) to at least `targetSize` bytes.
struct TelemetryPayload: Sendable {
    let targetSize: Int?
    var timestamps: TimestampMode = .unique

    /// Appends one payload for message `seq` to `buffer`; `timestampMillis` is ignored with `.none`.
    func write(seq: UInt64, timestampMillis: Int64, connection: Int, to buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        if timestamps == .none {
            buffer.writeStaticString("{\"temperature\":")
        } else {
            buffer.writeStaticString("{\"ts\":")
            buffer.writeDecimal(UInt64(max(0, timestampMillis)))
            buffer.writeStaticString(",\"values\":{\"temperature\":")
        }
        // 15.0 ... 34.9 °C in tenths, scrambled so consecutive readings differ.
        let tenths = 150 &+ (seq &* 7_919 &+ UInt64(connection) &* 31) % 200
        buffer.writeDecimal(tenths / 10)
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeDecimal(tenths % 10)
        buffer.writeStaticString(",\"humidity\":")
        buffer.writeDecimal(30 &+ (seq &+ UInt64(connection)) % 40)
        buffer.writeStaticString(",\"seq\":")
        buffer.writeDecimal(seq)
        if let targetSize {
            // `,"pad":"` + padding + `"` + closing braces
            let closing = timestamps == .none ? 1 : 2
            let padding = targetSize - (buffer.writerIndex - start) - 8 - 1 - closing
            if padding > 0 {
                buffer.writeStaticString(",\"pad\":\"")
                buffer.writeRepeatingByte(UInt8(ascii: "x"), count: padding)
                buffer.writeInteger(UInt8(ascii: "\""))
            }
        }
        buffer.writeStaticString(timestamps == .none ? "}" : "}}")
    }
}
