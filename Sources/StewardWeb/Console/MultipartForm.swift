import Foundation
import Hummingbird
import StewardCore

/// A `multipart/form-data` body (RFC 7578), used only by the picture upload: text fields and one small file.
struct MultipartForm: Sendable {
    struct File: Sendable {
        var filename: String
        var contentType: String
        var bytes: [UInt8]
    }

    var fields: [String: String] = [:]
    var files: [String: File] = [:]

    static func read(_ request: Request, limit: Int) async throws -> MultipartForm {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundaryRange = contentType.range(of: "boundary=")
        else { throw StewardError.badRequest("The upload was not sent as a form with a file; reload the page and try again") }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let buffer = try await HTTP.body(request, limit: limit)
        return try MultipartForm(bytes: Array(buffer.readableBytesView), boundary: boundary)
    }

    init(bytes: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var start: Int?
        var index = 0
        while let found = Self.find(delimiter, in: bytes, from: index) {
            if let start { parts.append(bytes[start..<max(start, found - 2)]) }  // drop the CRLF before the delimiter
            index = found + delimiter.count
            if bytes.count >= index + 2, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-") { break }
            start = index + 2  // skip CRLF after the delimiter
        }
        guard !parts.isEmpty else { throw StewardError.badRequest("The upload is empty or damaged") }
        for part in parts {
            guard let split = Self.find(Array("\r\n\r\n".utf8), in: Array(part), from: 0) else { continue }
            let partBytes = Array(part)
            let headerText = String(decoding: partBytes[..<split], as: UTF8.self)
            let body = Array(partBytes[(split + 4)...])
            var name: String?
            var filename: String?
            var type = "application/octet-stream"
            for line in headerText.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: String(line))
                    filename = Self.parameter("filename", in: String(line))
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { continue }
            if let filename {
                files[name] = File(filename: filename, contentType: type, bytes: body)
            } else {
                fields[name] = String(decoding: body, as: UTF8.self)
            }
        }
    }

    static func parameter(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: " \(key)=\"") ?? line.range(of: ";\(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count, from <= haystack.count - needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], Array(haystack[index..<index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }
}
