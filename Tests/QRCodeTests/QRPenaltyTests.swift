import QRCode
import Testing

/// The mask penalty rules (ISO/IEC 18004 §7.8.3) on hand-made matrices whose scores were worked out on paper
/// and cross-checked with segno's `mask_scores`.
@Suite struct QRPenaltyTests {
    /// Rows of '1' (dark) and '0' (light) to a row-major matrix.
    func grid(_ rows: [String]) -> [Bool] { rows.flatMap { $0.map { $0 == "1" } } }

    @Test func allDark() {
        // Rule 1: 42 lines of 21 → 42 × (3 + 16) = 798. Rule 2: 20 × 20 blocks × 3 = 1200.
        // Rule 3: none. Rule 4: 100 % dark, 10 steps of 5 % → 100.
        let modules = [Bool](repeating: true, count: 21 * 21)
        #expect(QRCode.penaltyScore(modules: modules, size: 21) == 2098)
    }

    @Test func checkerboard() {
        let modules = (0..<(21 * 21)).map { ($0 / 21 + $0 % 21) % 2 == 0 }
        #expect(QRCode.penaltyScore(modules: modules, size: 21) == 0)
    }

    /// An 11×11 light square with one row holding a finder-like 1011101 pattern.
    func finderLikeRow(_ row: String) -> [Bool] {
        let light = String(repeating: "0", count: 11)
        return grid(Array(repeating: light, count: 5) + [row] + Array(repeating: light, count: 5))
    }

    @Test func finderLikePatternWithLightArea() {
        // Rule 1: 10 light rows → 90; the five columns with a dark module have two light runs of 5 → 30; the six
        // light columns → 54. Rule 2: 86 single-colour blocks → 258. Rule 3: one pattern → 40 (light on both
        // sides, the far side being the quiet zone, still counts once). Rule 4: 5 dark of 121 is 45.9 % off →
        // 9 steps → 90.
        #expect(QRCode.penaltyScore(modules: finderLikeRow("00001011101"), size: 11) == 562)
        #expect(QRCode.penaltyScore(modules: finderLikeRow("10111010000"), size: 11) == 562)
    }

    /// Two rows with the same run structure and dark count; only the first has a finder-like pattern with
    /// (quiet-zone) light before it. Both: light rows 90, 8 dark-in-row columns 48, 3 light columns 27,
    /// 80 blocks 240, 8 dark of 121 → 8 steps → 80.
    @Test func finderLikePatternNeedsFourLightModulesOnOneSide() {
        #expect(QRCode.penaltyScore(modules: finderLikeRow("10111011011"), size: 11) == 90 + 48 + 27 + 240 + 80 + 40)
        #expect(QRCode.penaltyScore(modules: finderLikeRow("11010111011"), size: 11) == 90 + 48 + 27 + 240 + 80)
    }

    @Test func longRunsScoreOnePointPerExtraModule() {
        // 6×6: top row dark, rest light (columns have runs of 1 dark and 5 light).
        let modules = grid(["111111"] + Array(repeating: "000000", count: 5))
        // Rows: 1 dark run of 6 → 4, 5 light runs of 6 → 20. Columns: 6 light runs of 5 → 18.
        // Blocks: 5 × 4 light → 60. Dark 6 of 36: |120 − 360| / 36 = 6 steps → 60.
        #expect(QRCode.penaltyScore(modules: modules, size: 6) == 4 + 20 + 18 + 60 + 60)
    }
}
