import Foundation
import Hummingbird
import StewardCore

/// An `application/x-www-form-urlencoded` body, the only encoding the console's forms use.
struct FormBody: Sendable {
    private(set) var fields: [String: String] = [:]
    /// Every value of each field, for checkbox groups that repeat a name.
    private(set) var values: [String: [String]] = [:]

    static let maximumSize = 64 * 1024

    init(fields: [String: String]) { self.fields = fields }

    static func read(_ request: Request) async throws -> FormBody {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
            throw StewardError.badRequest("The form was sent in an unexpected encoding; reload the page and try again")
        }
        let buffer = try await HTTP.body(request, limit: maximumSize)
        return FormBody(encoded: String(buffer: buffer))
    }

    init(encoded: String) {
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
            values[name, default: []].append(value)
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A field that must be present, with the form's wording when it is not.
    func require(_ name: String, _ label: String) throws(StewardError) -> String {
        guard let value = fields[name], !value.isEmpty else { throw .badRequest("\(label) is required") }
        return value
    }
}
