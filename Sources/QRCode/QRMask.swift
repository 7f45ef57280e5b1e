/// The eight data mask patterns (ISO/IEC 18004 Table 10) and the penalty score used to choose between them
/// (§7.8.3, Table 11). Masking breaks up patterns that confuse readers, such as finder look-alikes, large blocks
/// of one colour or a lopsided dark/light balance.
enum QRMask {
    static let all = 0..<8

    /// Whether `mask` inverts the module at column `x`, row `y`. The standard writes these with i = row, j = column.
    static func isInverted(_ mask: Int, x j: Int, y i: Int) -> Bool {
        switch mask {
        case 0: (i + j) % 2 == 0
        case 1: i % 2 == 0
        case 2: j % 3 == 0
        case 3: (i + j) % 3 == 0
        case 4: (i / 2 + j / 3) % 2 == 0
        case 5: (i * j) % 2 + (i * j) % 3 == 0
        case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
        case 7: ((i + j) % 2 + (i * j) % 3) % 2 == 0
        default: preconditionFailure("QR mask must be 0...7")
        }
    }

    /// Penalty weights N1–N4 of Table 11.
    static let n1 = 3
    static let n2 = 3
    static let n3 = 40
    static let n4 = 10

    /// Total penalty of a finished square symbol (row-major, true = dark); lower is better.
    static func penalty(_ modules: [Bool], size: Int) -> Int {
        precondition(modules.count == size * size)
        var score = 0
        // Each row and column in turn, copied between four light modules on either side that stand in for the
        // quiet zone, so the rules need no bounds checks.
        var line = [Bool](repeating: false, count: size + 2 * linePadding)
        for i in 0..<size {
            for k in 0..<size { line[linePadding + k] = modules[i * size + k] }
            score += linePenalty(line)
            for k in 0..<size { line[linePadding + k] = modules[k * size + i] }
            score += linePenalty(line)
        }
        score += blocksPenalty(modules, size: size)
        score += balancePenalty(modules, size: size)
        return score
    }

    private static let linePadding = 4

    /// Rules 1 and 3 for one row or column (between `linePadding` light modules each side): N1 + (run − 5) for
    /// each run of five or more same-coloured modules, and N3 for each dark-light-dark-dark-dark-light-dark
    /// (1:1:3:1:1) pattern with four light modules before or after it. Modules outside the symbol count as
    /// light, as the quiet zone there is.
    static func linePenalty(_ line: [Bool]) -> Int {
        let start = linePadding
        let end = line.count - linePadding
        var score = 0

        var runLength = 1
        for k in (start + 1)..<end {
            if line[k] == line[k - 1] {
                runLength += 1
            } else {
                if runLength >= 5 { score += n1 + runLength - 5 }
                runLength = 1
            }
        }
        if runLength >= 5 { score += n1 + runLength - 5 }

        for k in stride(from: start, through: end - 7, by: 1) {
            guard line[k], !line[k + 1], line[k + 2], line[k + 3], line[k + 4], !line[k + 5], line[k + 6]
            else { continue }
            let lightBefore = !(line[k - 1] || line[k - 2] || line[k - 3] || line[k - 4])
            let lightAfter = !(line[k + 7] || line[k + 8] || line[k + 9] || line[k + 10])
            if lightBefore || lightAfter { score += n3 }
        }
        return score
    }

    /// Rule 2: N2 for every 2×2 block of one colour (overlapping blocks each count, so an m×n block scores
    /// N2 × (m − 1) × (n − 1)).
    static func blocksPenalty(_ modules: [Bool], size: Int) -> Int {
        var score = 0
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = modules[y * size + x]
                if modules[y * size + x + 1] == colour, modules[(y + 1) * size + x] == colour,
                    modules[(y + 1) * size + x + 1] == colour
                {
                    score += n2
                }
            }
        }
        return score
    }

    /// Rule 4: N4 for each full 5 % the dark proportion deviates from 50 %.
    static func balancePenalty(_ modules: [Bool], size: Int) -> Int {
        let total = size * size
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        // |dark/total − 1/2| / 5 %  =  |20·dark − 10·total| / total, floored.
        return n4 * (abs(20 * dark - 10 * total) / total)
    }
}
