/// Arithmetic in GF(2⁸) as QR codes define it: reduction polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D),
/// generator α = 2.
enum GF256 {
    /// `exp[i] = αⁱ` for i in 0..<510, doubled so a product of two logs needs no modulo.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for i in 0..<255 {
            table[i] = UInt8(value)
            table[i + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// `log[αⁱ] = i`; `log[0]` is unused (zero has no logarithm).
    static let log: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exp[i])] = UInt8(i) }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[Int(log[Int(a)]) + Int(log[Int(b)])]
    }
}

/// Reed–Solomon error-correction codewords for one block (ISO/IEC 18004 §7.5.2).
struct ReedSolomonEncoder {
    /// Coefficients of the generator polynomial (x − α⁰)(x − α¹)…(x − αⁿ⁻¹), highest power first, without
    /// the leading 1 (the polynomial is monic).
    let generator: [UInt8]

    init(degree: Int) {
        precondition(degree >= 1 && degree <= 254, "Reed–Solomon degree out of range")
        var poly: [UInt8] = [1]
        for i in 0..<degree {
            // Multiply by (x + αⁱ); subtraction is addition (XOR) in GF(2⁸).
            let root = GF256.exp[i]
            var next = poly + [0]
            for j in 1..<next.count {
                next[j] ^= GF256.multiply(poly[j - 1], root)
            }
            poly = next
        }
        generator = Array(poly.dropFirst())
    }

    /// The remainder of `data(x) · xⁿ` divided by the generator: the n error-correction codewords.
    func remainder(of data: ArraySlice<UInt8>) -> [UInt8] {
        let degree = generator.count
        var remainder = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ remainder[0]
            // Shift the register one place towards the high end, then add factor · generator.
            for i in 0..<(degree - 1) {
                remainder[i] = remainder[i + 1] ^ GF256.multiply(generator[i], factor)
            }
            remainder[degree - 1] = GF256.multiply(generator[degree - 1], factor)
        }
        return remainder
    }
}
