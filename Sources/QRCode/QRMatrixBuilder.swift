/// Lays out a symbol: function patterns (§6.3), codeword placement (§7.7.3), masking (§7.8) and the format
/// (§7.9) and version (§7.10) information. Coordinates are (x = column, y = row) from the top-left corner.
struct QRMatrixBuilder {
    let version: Int
    let size: Int
    /// Row-major, true = dark.
    private(set) var modules: [Bool]
    /// Row-major, true where a function pattern (or reserved format/version area) sits; never masked.
    private(set) var isFunction: [Bool]

    init(version: Int) {
        precondition(QRVersionTable.versions.contains(version), "QR version must be 1...40")
        self.version = version
        size = QRVersionTable.size(of: version)
        modules = [Bool](repeating: false, count: size * size)
        isFunction = [Bool](repeating: false, count: size * size)
        drawFunctionPatterns()
    }

    // MARK: Function patterns

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    private mutating func drawFunctionPatterns() {
        // Timing patterns first: the finders below overwrite their ends.
        for i in 0..<size {
            setFunction(x: 6, y: i, dark: i % 2 == 0)
            setFunction(x: i, y: 6, dark: i % 2 == 0)
        }
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)

        let centres = QRVersionTable.alignmentPositions(of: version)
        let last = centres.count - 1
        for (i, y) in centres.enumerated() {
            for (j, x) in centres.enumerated() {
                // The three corners that coincide with finder patterns get no alignment pattern.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                drawAlignment(centreX: x, centreY: y)
            }
        }

        // Reserve the format areas (real bits are written per mask) and draw the fixed dark module.
        drawFormatInformation(level: .medium, mask: 0)
        drawVersionInformation()
    }

    /// 7×7 finder plus its light separator ring, clipped at the symbol edge.
    private mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx
                let y = centreY + dy
                guard x >= 0, x < size, y >= 0, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// 5×5 alignment pattern: dark centre, light ring, dark outer ring.
    private mutating func drawAlignment(centreX: Int, centreY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centreX + dx, y: centreY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    // MARK: Format and version information

    /// 15-bit format information: level and mask, BCH(15,5)-protected, XORed with 101010000010010.
    static func formatBits(level: QRErrorCorrection, mask: Int) -> Int {
        let data = level.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data, dataBits: 5, generator: 0x537)) ^ 0x5412
    }

    /// 18-bit version information: the version number, BCH(18,6)-protected.
    static func versionBits(version: Int) -> Int {
        version << 12 | bchRemainder(version, dataBits: 6, generator: 0x1F25)
    }

    /// Remainder of `data · x^(degree of generator)` divided by `generator` over GF(2).
    private static func bchRemainder(_ data: Int, dataBits: Int, generator: Int) -> Int {
        let degree = generator.bitWidth - generator.leadingZeroBitCount - 1
        var value = data << degree
        for bit in stride(from: dataBits + degree - 1, through: degree, by: -1) where value >> bit & 1 != 0 {
            value ^= generator << (bit - degree)
        }
        return value
    }

    /// Writes both copies of the format information. Bit 14 is the most significant.
    mutating func drawFormatInformation(level: QRErrorCorrection, mask: Int) {
        let bits = Self.formatBits(level: level, mask: mask)
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 != 0 }
        // Around the top-left finder: bits 0–7 up column 8 (skipping the timing row), bits 8–14 leftwards
        // along row 8 (skipping the timing column).
        for i in 0...5 { setFunction(x: 8, y: i, dark: bit(i)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for i in 9...14 { setFunction(x: 14 - i, y: 8, dark: bit(i)) }
        // Second copy: bits 0–7 leftwards from the right edge along row 8, bits 8–14 down column 8 to the
        // bottom edge.
        for i in 0...7 { setFunction(x: size - 1 - i, y: 8, dark: bit(i)) }
        for i in 8...14 { setFunction(x: 8, y: size - 15 + i, dark: bit(i)) }
        // The module above the bottom-left copy is always dark.
        setFunction(x: 8, y: size - 8, dark: true)
    }

    /// Versions 7 and up carry two 6×3 copies of the version information, next to the top-right and the
    /// bottom-left finders.
    private mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        let bits = Self.versionBits(version: version)
        for i in 0..<18 {
            let dark = (bits >> i) & 1 != 0
            let across = size - 11 + i % 3
            let along = i / 3
            setFunction(x: across, y: along, dark: dark)
            setFunction(x: along, y: across, dark: dark)
        }
    }

    // MARK: Data

    /// Places codewords MSB first in two-module-wide columns, zig-zagging up and down from the bottom-right
    /// corner and skipping the vertical timing column. Modules left over are remainder bits and stay light.
    mutating func placeCodewords(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var bitIndex = 0
        var placed = 0
        var upward = true
        var right = size - 1
        while right > 0 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in stride(from: right, to: right - 2, by: -1) where !isFunction[y * size + x] {
                    if bitIndex < totalBits {
                        let byte = codewords[bitIndex >> 3]
                        modules[y * size + x] = (byte >> (7 - UInt8(bitIndex & 7))) & 1 != 0
                        bitIndex += 1
                    }
                    placed += 1
                }
            }
            upward.toggle()
            right -= 2
        }
        precondition(bitIndex == totalBits, "codewords do not fill the symbol")
        precondition(
            placed == QRVersionTable.dataModuleCount(of: version), "data module count disagrees with the layout")
    }

    /// Inverts every non-function module where `mask`'s condition holds. Applying the same mask twice undoes it.
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && QRMask.isInverted(mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }
}
