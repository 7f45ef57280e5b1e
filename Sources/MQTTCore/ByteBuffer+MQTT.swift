import NIOCore

/// Low-level MQTT wire primitives (section 1.5 of both specs). Everything here is internal; the packet
/// types build on it. Error messages are passed as autoclosures so the happy path never builds strings.

/// Largest value a four-byte Variable Byte Integer can hold.
let mqttMaxVariableByteInteger = 268_435_455

/// Number of bytes `value` occupies as a Variable Byte Integer.
@inline(__always)
func mqttVariableByteIntegerSize(_ value: Int) -> Int {
    if value < 128 { return 1 }
    if value < 16_384 { return 2 }
    if value < 2_097_152 { return 3 }
    return 4
}

/// Size on the wire of a length-prefixed UTF-8 string.
@inline(__always)
func mqttStringSize(_ string: String) -> Int { 2 + string.utf8.count }

/// Outcome of scanning bytes that are supposed to be an MQTT UTF-8 string.
enum MQTTUTF8Check {
    case valid(hasWildcard: Bool)
    case invalidUTF8
    case containsNull
}

/// Validates well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), rejects U+0000 and
/// notes whether an MQTT wildcard (`+`/`#`) occurs, all in one pass.
func mqttCheckUTF8(_ bytes: UnsafeRawBufferPointer) -> MQTTUTF8Check {
    var wildcard = false
    var index = 0
    let count = bytes.count
    while index < count {
        let lead = bytes[index]
        if lead < 0x80 {
            if lead == 0 { return .containsNull }
            if lead == 0x2B || lead == 0x23 { wildcard = true }
            index += 1
            continue
        }
        let needed: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: needed = 1
        case 0xE0: needed = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: needed = 2
        case 0xED: needed = 2; high = 0x9F
        case 0xF0: needed = 3; low = 0x90
        case 0xF1...0xF3: needed = 3
        case 0xF4: needed = 3; high = 0x8F
        default: return .invalidUTF8
        }
        // `index + needed` is the position of the last continuation byte.
        guard index + needed < count else { return .invalidUTF8 }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return .invalidUTF8 }
        var offset = 2
        while offset <= needed {
            guard bytes[index + offset] & 0xC0 == 0x80 else { return .invalidUTF8 }
            offset += 1
        }
        index += needed + 1
    }
    return .valid(hasWildcard: wildcard)
}

extension ByteBuffer {
    // MARK: Reading

    @inline(__always)
    mutating func readMQTTByte(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else {
            throw .malformedPacket("\(what()) missing")
        }
        return value
    }

    @inline(__always)
    mutating func readMQTTUInt16(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt16 {
        guard let value = self.readInteger(as: UInt16.self) else {
            throw .malformedPacket("\(what()) missing")
        }
        return value
    }

    @inline(__always)
    mutating func readMQTTUInt32(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt32 {
        guard let value = self.readInteger(as: UInt32.self) else {
            throw .malformedPacket("\(what()) missing")
        }
        return value
    }

    /// Reads a packet identifier and rejects 0, which the spec reserves (section 2.2.1 / 2.3.1).
    @inline(__always)
    mutating func readMQTTPacketID(_ packet: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt16 {
        guard let value = self.readInteger(as: UInt16.self) else {
            throw .malformedPacket("\(packet()) packet identifier missing")
        }
        guard value != 0 else {
            throw .malformedPacket("\(packet()) packet identifier is 0")
        }
        return value
    }

    /// Reads a Variable Byte Integer of at most four bytes.
    mutating func readMQTTVariableByteInteger(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> Int {
        var value = 0
        var shift = 0
        var index = self.readerIndex
        for _ in 0..<4 {
            guard let byte = self.getInteger(at: index, as: UInt8.self) else {
                throw .malformedPacket("\(what()) truncated")
            }
            index += 1
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                self.moveReaderIndex(to: index)
                return value
            }
            shift += 7
        }
        throw .malformedPacket("\(what()) longer than 4 bytes")
    }

    /// Reads a length-prefixed UTF-8 string, enforcing well-formedness and the absence of U+0000.
    @inline(__always)
    mutating func readMQTTString(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> String {
        try self.readMQTTStringNotingWildcards(what()).string
    }

    /// Like `readMQTTString` but also reports whether `+` or `#` occurred, so topic names can be checked
    /// without a second scan.
    mutating func readMQTTStringNotingWildcards(
        _ what: @autoclosure () -> String
    ) throws(MQTTDecodeError) -> (string: String, hasWildcard: Bool) {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt16.self) else {
            throw .malformedPacket("\(what()) length missing")
        }
        let byteCount = Int(length)
        guard self.readableBytes - 2 >= byteCount else {
            throw .malformedPacket("\(what()) length \(byteCount) exceeds the \(self.readableBytes - 2) remaining byte(s)")
        }
        let result: (String, MQTTUTF8Check) = self.withUnsafeReadableBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[2..<(2 + byteCount)])
            let check = mqttCheckUTF8(bytes)
            guard case .valid = check else { return ("", check) }
            return (String(decoding: bytes, as: UTF8.self), check)
        }
        switch result.1 {
        case .valid(let hasWildcard):
            self.moveReaderIndex(forwardBy: 2 + byteCount)
            return (result.0, hasWildcard)
        case .invalidUTF8:
            throw .malformedPacket("\(what()) is not valid UTF-8")
        case .containsNull:
            throw .malformedPacket("\(what()) contains U+0000")
        }
    }

    /// Reads length-prefixed binary data as a slice of this buffer (no copy).
    mutating func readMQTTBinary(_ what: @autoclosure () -> String) throws(MQTTDecodeError) -> ByteBuffer {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt16.self) else {
            throw .malformedPacket("\(what()) length missing")
        }
        guard let slice = self.getSlice(at: self.readerIndex + 2, length: Int(length)) else {
            throw .malformedPacket("\(what()) length \(length) exceeds the \(self.readableBytes - 2) remaining byte(s)")
        }
        self.moveReaderIndex(forwardBy: 2 + Int(length))
        return slice
    }

    /// Rejects bytes left over after a packet whose layout is fully determined.
    @inline(__always)
    func expectMQTTEnd(_ packet: @autoclosure () -> String) throws(MQTTDecodeError) {
        guard self.readableBytes == 0 else {
            throw .malformedPacket("\(packet()) has \(self.readableBytes) unexpected trailing byte(s)")
        }
    }

    // MARK: Writing

    @inline(__always)
    mutating func writeMQTTVariableByteInteger(_ value: Int) {
        precondition(value >= 0 && value <= mqttMaxVariableByteInteger, "MQTT variable byte integer out of range: \(value)")
        var remaining = value
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            self.writeInteger(byte)
        } while remaining > 0
    }

    /// Writes a length-prefixed UTF-8 string. Strings longer than 65,535 bytes cannot be represented and
    /// are a programming error.
    @inline(__always)
    mutating func writeMQTTString(_ string: String) {
        let count = string.utf8.count
        precondition(count <= Int(UInt16.max), "MQTT string longer than 65535 bytes")
        self.writeInteger(UInt16(truncatingIfNeeded: count))
        self.writeString(string)
    }

    /// Writes length-prefixed binary data; more than 65,535 bytes is a programming error.
    @inline(__always)
    mutating func writeMQTTBinary(_ data: ByteBuffer) {
        let count = data.readableBytes
        precondition(count <= Int(UInt16.max), "MQTT binary data longer than 65535 bytes")
        self.writeInteger(UInt16(truncatingIfNeeded: count))
        self.writeImmutableBuffer(data)
    }
}
