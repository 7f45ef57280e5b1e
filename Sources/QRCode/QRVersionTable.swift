/// Per-version constants of ISO/IEC 18004 model 2 QR codes: the error-correction block structure (Table 9),
/// the alignment pattern centres (Annex E) and the derived codeword capacities.
enum QRVersionTable {
    static let versions = 1...40

    /// Side length in modules of a symbol of `version`.
    static func size(of version: Int) -> Int { 17 + 4 * version }

    /// Error-correction codewords in each block, indexed `[level.tableIndex][version - 1]`.
    private static let ecCodewordsPerBlock: [[UInt8]] = [
        // low
        [
            7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
            28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        // medium
        [
            10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
            26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        ],
        // quartile
        [
            13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
            28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        // high
        [
            17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
            30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    /// Number of error-correction blocks, indexed `[level.tableIndex][version - 1]`.
    private static let blockCounts: [[UInt8]] = [
        // low
        [
            1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
            8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
        ],
        // medium
        [
            1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
            17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
        ],
        // quartile
        [
            1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
            23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
        ],
        // high
        [
            1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
            25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
        ],
    ]

    /// Alignment pattern centre coordinates (used for both x and y), indexed `[version - 1]`.
    private static let alignmentCentres: [[UInt8]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82],
        [6, 30, 58, 86], [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158],
        [6, 32, 58, 84, 110, 136, 162], [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]

    static func alignmentPositions(of version: Int) -> [Int] {
        alignmentCentres[version - 1].map(Int.init)
    }

    static func ecCodewordsPerBlock(version: Int, level: QRErrorCorrection) -> Int {
        Int(ecCodewordsPerBlock[level.tableIndex][version - 1])
    }

    static func blockCount(version: Int, level: QRErrorCorrection) -> Int {
        Int(blockCounts[level.tableIndex][version - 1])
    }

    /// Modules left for data and error correction once every function pattern is drawn. Derived by subtracting
    /// each pattern's area from the square; the matrix builder checks the result when it places the bits.
    static func dataModuleCount(of version: Int) -> Int {
        let size = size(of: version)
        // Three finders with their separators (8×8 each), the 31 format modules (two copies of 15 plus the
        // dark module) and the two timing lines between the separators.
        var count = size * size - 3 * 64 - 31 - 2 * (size - 16)
        let centres = alignmentCentres[version - 1].count
        if centres > 0 {
            // 5×5 patterns on every centre pair but the three finder corners; those on row or column 6
            // (2 × (centres - 2) of them) overlap the timing line by 5 modules that were already subtracted.
            count -= 25 * (centres * centres - 3) - 5 * 2 * (centres - 2)
        }
        if version >= 7 { count -= 2 * 18 }  // two version information blocks
        return count
    }

    /// All codewords (data + error correction) a symbol of `version` holds; the leftover
    /// `dataModuleCount % 8` modules are remainder bits.
    static func totalCodewords(of version: Int) -> Int { dataModuleCount(of: version) / 8 }

    static func dataCodewords(version: Int, level: QRErrorCorrection) -> Int {
        totalCodewords(of: version)
            - ecCodewordsPerBlock(version: version, level: level) * blockCount(version: version, level: level)
    }

    /// Bits of the byte-mode character count indicator (Table 3).
    static func byteCountBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// The most bytes a byte-mode segment can carry in `version` at `level`.
    static func byteCapacity(version: Int, level: QRErrorCorrection) -> Int {
        (dataCodewords(version: version, level: level) * 8 - 4 - byteCountBits(version: version)) / 8
    }
}

extension QRErrorCorrection {
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two-bit indicator used in the format information (Table 12); note it is not in L-M-Q-H order.
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }
}
