import Foundation
import Yams

/// Collects every issue found while reading, and where each field was written.
///
/// A class so the readers of nested mappings can share one list; it lives only for one `load`.
final class IssueSink {
    var issues: [DeclarationIssue] = []
    var sourceMap = SourceMap()

    func report(_ message: String, at path: String, node: Node?) {
        let position = node?.mark.map { SourcePosition(line: $0.line, column: $0.column) }
            ?? sourceMap.position(for: path)
        issues.append(DeclarationIssue(line: position.line, column: position.column, path: path, message: message))
    }

    func record(_ path: String, _ node: Node) {
        if let mark = node.mark { sourceMap.positions[path] = SourcePosition(line: mark.line, column: mark.column) }
    }
}

/// Enums spelled in YAML as their raw value (kebab case) or in camel case.
protocol DeclarationEnum: RawRepresentable<String>, CaseIterable {}

extension DeclarationEnum {
    static func parse(_ text: String) -> Self? {
        let wanted = normalizedSpelling(text)
        return allCases.first { normalizedSpelling($0.rawValue) == wanted }
    }

    static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

private func normalizedSpelling(_ text: String) -> String {
    text.lowercased().filter { $0 != "-" && $0 != "_" }
}

/// Reads one YAML mapping field by field: reports unknown keys (with a suggestion), duplicate keys, missing
/// required fields and wrongly typed values, and keeps going so all problems surface in one pass.
struct MappingReader {
    let path: String
    let node: Node
    let sink: IssueSink
    private var values: [String: (key: Node, value: Node)] = [:]

    /// Nil (with an issue) when `node` is not a mapping.
    init?(_ node: Node, path: String, fields: [String], sink: IssueSink) {
        self.path = path
        self.node = node
        self.sink = sink
        sink.record(path, node)
        guard case .mapping(let mapping) = node else {
            sink.report("expected a mapping with the fields \(fields.joined(separator: ", "))", at: path, node: node)
            return nil
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let childPath = MappingReader.join(path, key)
            if !fields.contains(key) {
                var message = "unknown field '\(key)'"
                if let near = Suggestion.closest(to: key, in: fields) { message += "; did you mean '\(near)'?" }
                else { message += "; the fields here are \(fields.joined(separator: ", "))" }
                sink.report(message, at: childPath, node: keyNode)
            } else if let first = values[key] {
                let line = first.key.mark?.line ?? 0
                sink.report("duplicate field '\(key)' (first given on line \(line)); keep one", at: childPath, node: keyNode)
            } else {
                values[key] = (keyNode, value)
                // A scalar is pointed at itself; a block list or mapping at its key's line, which names it.
                if case .scalar = value { sink.record(childPath, value) } else { sink.record(childPath, keyNode) }
            }
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func child(_ key: String) -> String { MappingReader.join(path, key) }

    /// The value node, or nil (reporting it when required) when absent or null.
    func value(_ key: String, required: Bool) -> Node? {
        guard let found = values[key]?.value, found.null == nil else {
            if required { sink.report("missing required field '\(key)'", at: child(key), node: node) }
            return nil
        }
        return found
    }

    func string(_ key: String, required: Bool = true) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard case .scalar(let scalar) = value else {
            sink.report("'\(key)' must be text", at: child(key), node: value)
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty, required { sink.report("'\(key)' must not be empty", at: child(key), node: value) }
        return text
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let value = value(key, required: false) else { return fallback }
        guard let flag = value.bool else {
            sink.report("'\(key)' must be true or false", at: child(key), node: value)
            return fallback
        }
        return flag
    }

    func requiredBool(_ key: String) -> Bool {
        if value(key, required: true) == nil { return false }
        return bool(key, default: false)
    }

    func int(_ key: String, required: Bool = true) -> Int? {
        guard let value = value(key, required: required) else { return nil }
        guard let number = value.int else {
            sink.report("'\(key)' must be a whole number", at: child(key), node: value)
            return nil
        }
        return number
    }

    func choice<E: DeclarationEnum>(_ key: String, _ type: E.Type) -> E? {
        guard let text = string(key), !text.isEmpty else { return nil }
        guard let parsed = E.parse(text) else {
            var message = "'\(text)' is not a valid \(key); use one of \(E.spellings)"
            if let near = Suggestion.closest(to: text, in: E.allCases.map(\.rawValue)) {
                message = "'\(text)' is not a valid \(key); did you mean '\(near)'? (one of \(E.spellings))"
            }
            sink.report(message, at: child(key), node: value(key, required: false))
            return nil
        }
        return parsed
    }

    /// The items of a sequence field with their paths (`purposes[2]`); empty when absent (reported if required).
    func items(_ key: String, required: Bool = true) -> [(node: Node, path: String)] {
        guard let value = value(key, required: required) else { return [] }
        guard case .sequence(let sequence) = value else {
            sink.report("'\(key)' must be a list", at: child(key), node: value)
            return []
        }
        return sequence.enumerated().map { index, item in
            let itemPath = "\(child(key))[\(index)]"
            sink.record(itemPath, item)
            return (item, itemPath)
        }
    }

    func strings(_ key: String, required: Bool = true) -> [String] {
        items(key, required: required).compactMap { item in
            guard case .scalar(let scalar) = item.node, !scalar.string.isEmpty else {
                sink.report("each entry of '\(key)' must be text", at: item.path, node: item.node)
                return nil
            }
            return scalar.string
        }
    }

    func mapping(_ key: String, fields: [String], required: Bool = true) -> MappingReader? {
        guard let value = value(key, required: required) else { return nil }
        return MappingReader(value, path: child(key), fields: fields, sink: sink)
    }
}

/// "Did you mean" for misspelt field names and values.
enum Suggestion {
    /// The candidate within a small edit distance of `word`, if any (case-insensitive).
    static func closest(to word: String, in candidates: [String]) -> String? {
        let target = Array(word.lowercased())
        let limit = max(1, min(3, target.count / 3))
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Levenshtein distance.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
