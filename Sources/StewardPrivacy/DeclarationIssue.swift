/// One problem found in a privacy declaration, placed where the operator has to fix it.
///
/// The line and column come from the YAML source (1-based), so `steward policy check` can point at the exact
/// spot; a declaration built in code has no source and reports line 0.
public struct DeclarationIssue: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line in the YAML source; 0 when the declaration has no source.
    public var line: Int
    /// 1-based column in the YAML source; 0 when the declaration has no source.
    public var column: Int
    /// Where in the declaration, e.g. `purposes[2].categories[0]`.
    public var path: String
    /// What is wrong and how to fix it.
    public var message: String

    public init(line: Int, column: Int, path: String, message: String) {
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `line:column: path: message`, the shape compilers use, so editors can jump to it.
    public var description: String { "\(line):\(column): \(path.isEmpty ? "(document)" : path): \(message)" }
}

/// Why a declaration could not be loaded. The server refuses to start on either.
public enum DeclarationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The YAML itself is broken (the text names Yams' line and column).
    case unreadable(String)
    /// The YAML parsed but the declaration is wrong; every issue found is listed, in source order.
    case invalid([DeclarationIssue])

    public var description: String {
        switch self {
        case .unreadable(let reason): return "The privacy declaration is not valid YAML: \(reason)"
        case .invalid(let issues):
            let noun = issues.count == 1 ? "problem" : "problems"
            return (["The privacy declaration has \(issues.count) \(noun):"] + issues.map { "  \($0)" })
                .joined(separator: "\n")
        }
    }
}

/// Where each part of a declaration was written, keyed by path (`purposes[1].legalBasis`).
///
/// Positions are not part of what a declaration says, so two maps always compare equal: a declaration reloaded
/// from a reformatted file is the same declaration.
public struct SourceMap: Sendable, Equatable {
    var positions: [String: SourcePosition] = [:]

    public init() {}

    /// The position of `path`, or of its nearest written ancestor (a missing field is reported at its parent).
    public func position(for path: String) -> SourcePosition {
        var current = path
        while true {
            if let found = positions[current] { return found }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            current = String(current[..<cut])
        }
        return positions[""] ?? SourcePosition(line: 0, column: 0)
    }

    public static func == (lhs: SourceMap, rhs: SourceMap) -> Bool { true }
}

/// A 1-based line and column in the YAML source.
public struct SourcePosition: Sendable, Equatable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
