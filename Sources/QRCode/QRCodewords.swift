/// Turns a byte-mode payload into the final, interleaved codeword sequence of a symbol
/// (ISO/IEC 18004 §7.4 data encoding and §7.6 final message construction).
enum QRCodewords {
    /// Data and error-correction codewords in placement order for `bytes` at `version`/`level`.
    /// The caller has already checked that `bytes` fits.
    static func make(bytes: [UInt8], version: Int, level: QRErrorCorrection) -> [UInt8] {
        let data = dataCodewords(bytes: bytes, version: version, level: level)
        return interleave(data: data, version: version, level: level)
    }

    /// Mode indicator, character count, payload, terminator, bit padding and pad codewords.
    static func dataCodewords(bytes: [UInt8], version: Int, level: QRErrorCorrection) -> [UInt8] {
        let capacity = QRVersionTable.dataCodewords(version: version, level: level)
        var writer = BitWriter(capacity: capacity)
        writer.append(0b0100, bits: 4)  // byte mode
        writer.append(bytes.count, bits: QRVersionTable.byteCountBits(version: version))
        for byte in bytes { writer.append(Int(byte), bits: 8) }
        precondition(writer.bitCount <= capacity * 8, "payload does not fit; capacity check missed it")
        // Terminator: up to four zero bits, fewer if the symbol is full.
        writer.append(0, bits: min(4, capacity * 8 - writer.bitCount))
        // Zero bits up to the next codeword boundary.
        writer.append(0, bits: (8 - writer.bitCount % 8) % 8)
        var codewords = writer.bytes
        // Alternate pad codewords 11101100 and 00010001 until the data capacity is filled.
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits `data` into blocks, appends each block's error correction and interleaves the result:
    /// data codewords column by column across blocks, then the error-correction codewords the same way.
    static func interleave(data: [UInt8], version: Int, level: QRErrorCorrection) -> [UInt8] {
        let blockCount = QRVersionTable.blockCount(version: version, level: level)
        let ecLength = QRVersionTable.ecCodewordsPerBlock(version: version, level: level)
        let total = QRVersionTable.totalCodewords(of: version)
        // Blocks come in at most two lengths; the longer ones (one more data codeword) come last.
        let longBlocks = total % blockCount
        let shortBlocks = blockCount - longBlocks
        let shortDataLength = total / blockCount - ecLength
        precondition(data.count == shortBlocks * shortDataLength + longBlocks * (shortDataLength + 1))

        let encoder = ReedSolomonEncoder(degree: ecLength)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var ecBlocks: [[UInt8]] = []
        dataBlocks.reserveCapacity(blockCount)
        ecBlocks.reserveCapacity(blockCount)
        var start = 0
        for block in 0..<blockCount {
            let length = shortDataLength + (block < shortBlocks ? 0 : 1)
            let slice = data[start..<(start + length)]
            dataBlocks.append(slice)
            ecBlocks.append(encoder.remainder(of: slice))
            start += length
        }

        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...shortDataLength {
            for block in dataBlocks where column < block.count {
                result.append(block[block.startIndex + column])
            }
        }
        for column in 0..<ecLength {
            for block in ecBlocks { result.append(block[column]) }
        }
        return result
    }
}

/// Appends values most-significant bit first into a byte array.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ value: Int, bits: Int) {
        precondition(bits >= 0 && bits <= 31 && value >> bits == 0, "value does not fit in \(bits) bits")
        for shift in stride(from: bits - 1, through: 0, by: -1) {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 != 0 {
                bytes[bytes.count - 1] |= UInt8(0x80 >> (bitCount % 8))
            }
            bitCount += 1
        }
    }
}
