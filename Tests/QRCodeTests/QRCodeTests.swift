import QRCode
import Testing

/// Module bits of a vector's hex rows, row-major, cut to `size` columns.
func matrix(fromHexRows rows: String, size: Int) -> [Bool] {
    var modules: [Bool] = []
    modules.reserveCapacity(size * size)
    for line in rows.split(separator: "\n") {
        var row: [Bool] = []
        for digit in line {
            guard let nibble = digit.hexDigitValue else {
                Issue.record("bad hex digit \(digit)")
                return []
            }
            for shift in stride(from: 3, through: 0, by: -1) { row.append((nibble >> shift) & 1 == 1) }
        }
        modules += row.prefix(size)
    }
    return modules
}

@Suite struct QRCodeEncodingTests {
    @Test(arguments: forcedVectors)
    func matchesReferenceEncoder(_ vector: ForcedVector) throws {
        let code = try QRCode(
            bytes: vector.payload, errorCorrection: vector.level, version: vector.version, mask: vector.mask)
        #expect(code.version == vector.version)
        #expect(code.size == 17 + 4 * vector.version)
        #expect(code.mask == vector.mask)
        #expect(code.penaltyScore == vector.penalty)
        let expected = matrix(fromHexRows: vector.rows, size: code.size)
        try #require(expected.count == code.size * code.size, "reference matrix is not \(code.size)² modules")
        let differing = (0..<expected.count).filter { expected[$0] != code.modules[$0] }
        let firstFew = differing.prefix(5).map { "(x \($0 % code.size), y \($0 / code.size))" }
        #expect(differing.count == 0, "modules differ, first at \(firstFew.joined(separator: ", "))")
    }

    /// segno's penalty scores of complete symbols are an independent check of the four rules on real data, and
    /// the lowest of them must be the mask chosen (ties to the lowest mask number).
    @Test(arguments: autoVectors)
    func picksSmallestVersionAndLowestPenaltyMask(_ vector: AutoVector) throws {
        let code = try QRCode(bytes: vector.payload, errorCorrection: vector.level)
        #expect(code.version == vector.version)
        for mask in 0..<8 {
            let candidate = try QRCode(
                bytes: vector.payload, errorCorrection: vector.level, version: vector.version, mask: mask)
            #expect(candidate.penaltyScore == vector.penalties[mask], "mask \(mask)")
        }
        #expect(code.mask == vector.penalties.firstIndex(of: vector.penalties.min()!))
    }

    @Test(arguments: [QRErrorCorrection.low, .medium, .quartile, .high])
    func chosenMaskHasLowestPenalty(_ level: QRErrorCorrection) throws {
        let payloads: [[UInt8]] = [
            Array(otpauthURI.utf8), Array("Steward".utf8), [], patternBytes(77), [UInt8](repeating: 0, count: 120),
        ]
        for payload in payloads {
            let chosen = try QRCode(bytes: payload, errorCorrection: level)
            var penalties: [Int] = []
            for mask in 0..<8 {
                let candidate = try QRCode(
                    bytes: payload, errorCorrection: level, version: chosen.version, mask: mask)
                penalties.append(candidate.penaltyScore)
                if mask == chosen.mask { #expect(candidate == chosen) }
            }
            #expect(penalties.allSatisfy { chosen.penaltyScore <= $0 }, "penalties \(penalties), chose \(chosen.mask)")
            #expect(penalties.firstIndex(of: penalties.min()!) == chosen.mask, "ties go to the lowest mask")
        }
    }

    @Test func finderTimingAndDarkModulePresent() throws {
        let code = try QRCode(text: otpauthURI)
        let n = code.size
        // Finder centres at the three corners; each is a 7×7 dark ring, light ring, 3×3 dark core, with a light
        // separator on the sides facing the symbol.
        for (left, top) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            for dy in -1...7 {
                for dx in -1...7 {
                    let x = left + dx
                    let y = top + dy
                    guard x >= 0, x < n, y >= 0, y < n else { continue }
                    let ring = max(abs(dx - 3), abs(dy - 3))
                    #expect(code[x, y] == (ring != 2 && ring != 4), "finder at (\(left), \(top)): (\(x), \(y))")
                }
            }
        }
        for i in 8..<(n - 8) {
            #expect(code[i, 6] == (i % 2 == 0), "horizontal timing at x \(i)")
            #expect(code[6, i] == (i % 2 == 0), "vertical timing at y \(i)")
        }
        #expect(code[8, n - 8])
        #expect(code.modules.count == n * n)
        #expect(code[n - 1, n - 1] == code.modules[n * n - 1])
        #expect(code[5, 2] == code.modules[2 * n + 5])
    }

    @Test func versionAndSizeTrackEachOther() throws {
        #expect(try QRCode(bytes: [], errorCorrection: .low).size == 21)
        let biggest = try QRCode(bytes: patternBytes(2953), errorCorrection: .low)
        #expect(biggest.version == 40)
        #expect(biggest.size == 177)
    }

    @Test func textIsEncodedAsUTF8() throws {
        let text = "Grüße 🔐 \(otpauthURI)"
        let fromText = try QRCode(text: text, errorCorrection: .quartile)
        #expect(try fromText == QRCode(bytes: Array(text.utf8), errorCorrection: .quartile))
    }

    /// Byte capacities from ISO/IEC 18004 Table 7: exactly full picks the version, one more byte the next one.
    @Test(arguments: [
        (QRErrorCorrection.low, 1, 17), (.medium, 1, 14), (.quartile, 1, 11), (.high, 1, 7),
        (.low, 10, 271), (.medium, 10, 213), (.quartile, 10, 151), (.high, 10, 119),
        (.medium, 9, 180), (.high, 7, 64), (.low, 39, 2809),
    ])
    func capacityBoundaries(level: QRErrorCorrection, version: Int, capacity: Int) throws {
        #expect(try QRCode(bytes: patternBytes(capacity), errorCorrection: level).version == version)
        #expect(try QRCode(bytes: patternBytes(capacity + 1), errorCorrection: level).version == version + 1)
    }

    @Test(arguments: [
        (QRErrorCorrection.low, 2953), (.medium, 2331), (.quartile, 1663), (.high, 1273),
    ])
    func tooLongForVersion40(level: QRErrorCorrection, maximum: Int) throws {
        #expect(try QRCode(bytes: patternBytes(maximum), errorCorrection: level).version == 40)
        #expect(throws: QRCodeError.dataTooLong(bytes: maximum + 1, maximum: maximum)) {
            try QRCode(bytes: patternBytes(maximum + 1), errorCorrection: level)
        }
        #expect(throws: QRCodeError.dataTooLong(bytes: maximum + 1, maximum: maximum)) {
            try QRCode(text: String(repeating: "x", count: maximum + 1), errorCorrection: level)
        }
    }

    @Test func tooLongForForcedVersion() {
        #expect(throws: QRCodeError.dataTooLong(bytes: 20, maximum: 7)) {
            try QRCode(bytes: patternBytes(20), errorCorrection: .high, version: 1, mask: 0)
        }
        let error = QRCodeError.dataTooLong(bytes: 3000, maximum: 2331)
        #expect(error.description.contains("3000"))
        #expect(error.description.contains("2331"))
    }
}
