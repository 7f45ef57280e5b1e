/// Writes a ZIP archive as a stream: each entry's size and CRC follow its data in a data descriptor, so nothing has
/// to be held in memory or written twice. Entries are stored (not compressed), which keeps the export as fast as
/// the database can read. ZIP64 records are written when the archive passes 4 GiB, so large exports stay valid.
public struct ZipStreamWriter {
    let emit: ([UInt8]) async throws -> Void
    var buffer: [UInt8] = []
    var offset: UInt64 = 0
    var entries: [(name: [UInt8], crc: UInt32, size: UInt64, offset: UInt64)] = []
    var current: (name: [UInt8], crc: UInt32, size: UInt64, offset: UInt64)?
    /// DOS time and date of every entry (the archive's creation time).
    let dosTime: UInt16
    let dosDate: UInt16
    static let flushSize = 256 * 1024

    /// - Parameter time: Unix milliseconds stamped on every entry.
    public init(time: Int64, emit: @escaping ([UInt8]) async throws -> Void) {
        self.emit = emit
        (dosTime, dosDate) = Self.dos(time)
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    public mutating func begin(_ name: String) async throws {
        precondition(current == nil, "end the previous entry first")
        let nameBytes = Array(name.utf8)
        current = (nameBytes, 0, 0, offset + UInt64(buffer.count))
        put32(0x0403_4b50)
        put16(45)  // version needed: 4.5 (ZIP64 data descriptors)
        put16(0x0808)  // bit 3: sizes in the data descriptor; bit 11: UTF-8 names
        put16(0)  // stored
        put16(dosTime)
        put16(dosDate)
        put32(0)
        put32(0)
        put32(0)
        put16(UInt16(nameBytes.count))
        put16(0)
        buffer += nameBytes
        try await flushIfFull()
    }

    /// Appends to the current entry.
    public mutating func write(_ bytes: [UInt8]) async throws {
        guard var entry = current else { preconditionFailure("begin an entry first") }
        entry.crc = CRC32.update(entry.crc, bytes)
        entry.size += UInt64(bytes.count)
        current = entry
        buffer += bytes
        try await flushIfFull()
    }

    public mutating func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    public mutating func end() async throws {
        guard let entry = current else { return }
        current = nil
        put32(0x0807_4b50)
        put32(entry.crc)
        if entry.size >= 0xFFFF_FFFF {
            put64(entry.size)
            put64(entry.size)
        } else {
            put32(UInt32(entry.size))
            put32(UInt32(entry.size))
        }
        entries.append(entry)
        try await flushIfFull()
    }

    /// Writes the central directory and the end records, and flushes.
    public mutating func finish() async throws {
        try await end()
        let directoryStart = offset + UInt64(buffer.count)
        for entry in entries {
            let needs64 = entry.size >= 0xFFFF_FFFF || entry.offset >= 0xFFFF_FFFF
            put32(0x0201_4b50)
            put16(0x0300 | 45)  // made by Unix, 4.5
            put16(45)
            put16(0x0808)
            put16(0)
            put16(dosTime)
            put16(dosDate)
            put32(entry.crc)
            put32(needs64 ? 0xFFFF_FFFF : UInt32(entry.size))
            put32(needs64 ? 0xFFFF_FFFF : UInt32(entry.size))
            put16(UInt16(entry.name.count))
            put16(needs64 ? 28 : 0)
            put16(0)
            put16(0)
            put16(0)
            put32(0o100644 << 16)
            put32(needs64 ? 0xFFFF_FFFF : UInt32(entry.offset))
            buffer += entry.name
            if needs64 {
                put16(0x0001)
                put16(24)
                put64(entry.size)
                put64(entry.size)
                put64(entry.offset)
            }
            try await flushIfFull()
        }
        let directoryEnd = offset + UInt64(buffer.count)
        let directorySize = directoryEnd - directoryStart
        let needs64 = directoryEnd >= 0xFFFF_FFFF || entries.count >= 0xFFFF
        if needs64 {
            put32(0x0606_4b50)
            put64(44)
            put16(0x0300 | 45)
            put16(45)
            put32(0)
            put32(0)
            put64(UInt64(entries.count))
            put64(UInt64(entries.count))
            put64(directorySize)
            put64(directoryStart)
            put32(0x0706_4b50)
            put32(0)
            put64(directoryEnd)
            put32(1)
        }
        put32(0x0605_4b50)
        put16(0)
        put16(0)
        put16(needs64 ? 0xFFFF : UInt16(entries.count))
        put16(needs64 ? 0xFFFF : UInt16(entries.count))
        put32(needs64 ? 0xFFFF_FFFF : UInt32(directorySize))
        put32(needs64 ? 0xFFFF_FFFF : UInt32(directoryStart))
        put16(0)
        try await flush()
    }

    mutating func flushIfFull() async throws {
        if buffer.count >= Self.flushSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        offset += UInt64(chunk.count)
        buffer.removeAll(keepingCapacity: true)
        try await emit(chunk)
    }

    mutating func put16(_ value: UInt16) {
        buffer.append(UInt8(value & 0xFF))
        buffer.append(UInt8(value >> 8))
    }

    mutating func put32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    mutating func put64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }

    /// MS-DOS time and date fields (two-second resolution, years from 1980), in UTC.
    static func dos(_ millis: Int64) -> (UInt16, UInt16) {
        var seconds = max(millis / 1000, 315_532_800)  // 1980-01-01
        let days = seconds / 86_400
        seconds %= 86_400
        let (year, month, day) = civil(fromDays: days)
        let time = UInt16(seconds / 3600) << 11 | UInt16(seconds % 3600 / 60) << 5 | UInt16(seconds % 60 / 2)
        let date = UInt16(min(max(year - 1980, 0), 127)) << 9 | UInt16(month) << 5 | UInt16(day)
        return (time, date)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// CRC-32 (IEEE 802.3, reflected, as ZIP uses it), eight bytes per step ("slicing-by-8").
enum CRC32 {
    static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for index in 0..<256 {
            var c = UInt32(index)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[0][index] = c
        }
        for index in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[slice - 1][index]
                tables[slice][index] = tables[0][Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()
    static let flat: [UInt32] = tables.flatMap { $0 }

    static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        var c = ~crc
        flat.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                let n = b.count
                while i + 8 <= n {
                    let one = c ^ (UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24)
                    let two = UInt32(b[i + 4]) | UInt32(b[i + 5]) << 8 | UInt32(b[i + 6]) << 16 | UInt32(b[i + 7]) << 24
                    c = t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                        ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                        ^ t[1 * 256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                    i += 8
                }
                while i < n {
                    c = t[Int((c ^ UInt32(b[i])) & 0xFF)] ^ (c >> 8)
                    i += 1
                }
            }
        }
        return ~c
    }
}
