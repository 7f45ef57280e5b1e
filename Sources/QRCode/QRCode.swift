/// How much of the symbol may be damaged or obscured before it stops reading: roughly 7 % (low), 15 % (medium),
/// 25 % (quartile) or 30 % (high) of codewords. Higher levels need a larger symbol for the same payload.
public enum QRErrorCorrection: Sendable {
    case low, medium, quartile, high
}

/// Why a payload could not be encoded.
public enum QRCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The payload has `bytes` bytes but the largest symbol allowed (version 40, or the version asked for)
    /// carries at most `maximum` at the chosen error-correction level.
    case dataTooLong(bytes: Int, maximum: Int)

    public var description: String {
        switch self {
        case .dataTooLong(let bytes, let maximum):
            "QR code payload of \(bytes) bytes exceeds the maximum of \(maximum) bytes"
        }
    }
}

/// A QR code (ISO/IEC 18004 model 2) holding one byte-mode segment, e.g. an `otpauth://` URI for authenticator
/// apps. Written from the standard so the server needs no image or QR dependency; render it with
/// ``svg(moduleSize:quietZone:label:)``.
public struct QRCode: Sendable, Equatable {
    /// Side length in modules (21 for version 1 … 177 for version 40).
    public let size: Int
    /// Symbol version, 1...40; each step adds four modules to the side.
    public let version: Int
    /// Row-major, true = dark module.
    public let modules: [Bool]
    /// Data mask pattern applied, 0...7.
    package let mask: Int

    /// Whether the module at column `x`, row `y` (origin top-left, both in `0..<size`) is dark.
    public subscript(x: Int, y: Int) -> Bool {
        precondition(
            x >= 0 && x < size && y >= 0 && y < size, "QR module (\(x), \(y)) outside a \(size)×\(size) symbol")
        return modules[y * size + x]
    }

    /// Encodes bytes in byte mode (UTF-8 text), picking the smallest version 1...40 that fits and the mask
    /// with the lowest penalty score per the standard.
    public init(bytes: [UInt8], errorCorrection: QRErrorCorrection = .medium) throws(QRCodeError) {
        guard
            let version = QRVersionTable.versions.first(where: {
                QRVersionTable.byteCapacity(version: $0, level: errorCorrection) >= bytes.count
            })
        else {
            throw .dataTooLong(
                bytes: bytes.count, maximum: QRVersionTable.byteCapacity(version: 40, level: errorCorrection))
        }
        self.init(validated: bytes, level: errorCorrection, version: version, mask: nil)
    }

    /// Encodes `text` as UTF-8 in byte mode; see ``init(bytes:errorCorrection:)``.
    public init(text: String, errorCorrection: QRErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection)
    }

    /// Encodes with a fixed `version` (1...40) and, unless `mask` is nil, a fixed mask (0...7) instead of the
    /// best-scoring one. For reproducibility and tests (comparing against other encoders); production code wants
    /// ``init(bytes:errorCorrection:)``. A version or mask out of range is a programming error and traps.
    public init(bytes: [UInt8], errorCorrection: QRErrorCorrection, version: Int, mask: Int? = nil)
        throws(QRCodeError)
    {
        precondition(QRVersionTable.versions.contains(version), "QR version must be 1...40, got \(version)")
        precondition(mask.map { QRMask.all.contains($0) } ?? true, "QR mask must be 0...7, got \(mask ?? -1)")
        let capacity = QRVersionTable.byteCapacity(version: version, level: errorCorrection)
        guard bytes.count <= capacity else { throw .dataTooLong(bytes: bytes.count, maximum: capacity) }
        self.init(validated: bytes, level: errorCorrection, version: version, mask: mask)
    }

    private init(validated bytes: [UInt8], level: QRErrorCorrection, version: Int, mask: Int?) {
        let codewords = QRCodewords.make(bytes: bytes, version: version, level: level)
        var unmasked = QRMatrixBuilder(version: version)
        unmasked.placeCodewords(codewords)

        func masked(_ mask: Int) -> QRMatrixBuilder {
            var candidate = unmasked
            candidate.applyMask(mask)
            candidate.drawFormatInformation(level: level, mask: mask)
            return candidate
        }

        var chosen: (mask: Int, builder: QRMatrixBuilder)
        if let mask {
            chosen = (mask, masked(mask))
        } else {
            // Evaluate all eight finished symbols (format and, from version 7, version information in place, as a
            // reader sees them; segno scores before adding those, so it can pick differently). Ties go to the
            // lowest mask number.
            chosen = (0, masked(0))
            var best = QRMask.penalty(chosen.builder.modules, size: chosen.builder.size)
            for mask in QRMask.all.dropFirst() {
                let candidate = masked(mask)
                let score = QRMask.penalty(candidate.modules, size: candidate.size)
                if score < best {
                    best = score
                    chosen = (mask, candidate)
                }
            }
        }
        self.version = version
        self.size = chosen.builder.size
        self.modules = chosen.builder.modules
        self.mask = chosen.mask
    }

    /// The penalty score of this symbol (ISO/IEC 18004 §7.8.3); the automatic mask choice minimises it.
    package var penaltyScore: Int { QRMask.penalty(modules, size: size) }

    /// The penalty score of any square matrix (row-major, true = dark), exposed so the scoring rules can be
    /// tested on hand-made patterns.
    package static func penaltyScore(modules: [Bool], size: Int) -> Int {
        QRMask.penalty(modules, size: size)
    }
}
