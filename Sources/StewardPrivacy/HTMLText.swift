/// HTML output for the policy: every text is escaped, tables carry captions and header scopes for screen readers.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Only web, mail and same-site links are emitted as links; anything else (a `javascript:` URL) becomes text.
    static func safeHref(_ href: String) -> String? {
        let lower = href.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:")
            || (lower.hasPrefix("/") && !lower.hasPrefix("//"))
        else { return nil }
        return escape(href)
    }

    static func inline(_ parts: [PolicyInline]) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return escape(text)
            case .strong(let text): return "<strong>\(escape(text))</strong>"
            case .link(let text, let href):
                guard let safe = safeHref(href) else { return escape(text) }
                return "<a href=\"\(safe)\">\(escape(text))</a>"
            }
        }.joined()
    }

    static func write(_ block: PolicyBlock, to out: inout String) {
        switch block {
        case .paragraph(let parts): out += "<p>\(inline(parts))</p>\n"
        case .list(let items):
            out += "<ul>\n"
            for item in items { out += "<li>\(inline(item))</li>\n" }
            out += "</ul>\n"
        case .table(let caption, let headers, let rows):
            out += "<table>\n<caption>\(escape(caption))</caption>\n<thead><tr>"
            for header in headers { out += "<th scope=\"col\">\(escape(header))</th>" }
            out += "</tr></thead>\n<tbody>\n"
            for row in rows {
                out += "<tr>"
                for (index, cell) in row.enumerated() {
                    // Each cell names its column, so a phone can show a row as a card of labelled lines.
                    let label = index < headers.count ? " data-label=\"\(escape(headers[index]))\"" : ""
                    out += index == 0 ? "<th scope=\"row\">\(escape(cell))</th>" : "<td\(label)>\(escape(cell))</td>"
                }
                out += "</tr>\n"
            }
            out += "</tbody>\n</table>\n"
        case .subheading(let id, let title, let blocks):
            out += "<section id=\"\(escape(id))\">\n<h3>\(escape(title))</h3>\n"
            for inner in blocks { write(inner, to: &out) }
            out += "</section>\n"
        }
    }
}
