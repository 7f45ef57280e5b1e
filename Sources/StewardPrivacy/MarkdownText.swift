import Foundation

/// Markdown output for the policy: escapes what Markdown or embedded HTML would interpret, so text from the
/// declaration is shown, never executed or reformatted.
enum MarkdownText {
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "|", "#": out += "\\\(character)"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// Link targets keep their characters but may not close the parenthesis or start markup.
    static func escapeURL(_ text: String) -> String {
        text.replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: "(", with: "%28")
            .replacingOccurrences(of: ")", with: "%29").replacingOccurrences(of: "<", with: "%3C")
            .replacingOccurrences(of: ">", with: "%3E")
    }

    static func inline(_ parts: [PolicyInline]) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return escape(text)
            case .strong(let text): return "**\(escape(text))**"
            case .link(let text, let href): return "[\(escape(text))](\(escapeURL(href)))"
            }
        }.joined()
    }

    static func write(_ block: PolicyBlock, to out: inout String) {
        switch block {
        case .paragraph(let parts): out += inline(parts) + "\n\n"
        case .list(let items):
            for item in items { out += "- " + inline(item) + "\n" }
            out += "\n"
        case .table(let caption, let headers, let rows):
            out += "**\(escape(caption))**\n\n"
            out += "| " + headers.map(escape).joined(separator: " | ") + " |\n"
            out += "|" + String(repeating: " --- |", count: headers.count) + "\n"
            for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
            out += "\n"
        case .subheading(let id, let title, let blocks):
            out += "<a id=\"\(id)\"></a>\n### \(escape(title))\n\n"
            for inner in blocks { write(inner, to: &out) }
        }
    }
}
