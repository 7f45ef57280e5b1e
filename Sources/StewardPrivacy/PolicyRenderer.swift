import StewardCore

/// Renders the published policy from a declaration, for `/privacy`, `/privacy.md`, `/privacy.json` and
/// `steward policy render`. Every format comes from the same `PolicyDocument`, so they agree with each other and
/// with the declaration the platform enforces.
public enum PolicyRenderer {
    /// A Markdown document with one `##` heading per section and `###` per right.
    public static func markdown(_ d: PrivacyDeclaration) -> String {
        var out = "# Privacy policy of \(MarkdownText.escape(d.controller.name))\n\n"
        out += "Version \(MarkdownText.escape(d.version)), effective \(MarkdownText.escape(d.effectiveDate)).\n"
        for content in PolicyDocument.build(d) {
            out += "\n<a id=\"\(content.section.rawValue)\"></a>\n## \(content.section.title)\n\n"
            for block in content.blocks { MarkdownText.write(block, to: &out) }
        }
        return out
    }

    /// An accessible HTML fragment (an `<article>` with a heading per section, captioned tables with header cells,
    /// links to the pages where rights are exercised); every text from the declaration is escaped.
    public static func html(_ d: PrivacyDeclaration) -> String {
        var out = "<article class=\"privacy-policy\" lang=\"en\" aria-labelledby=\"privacy-title\">\n"
        out += "<h1 id=\"privacy-title\">Privacy policy of \(HTMLText.escape(d.controller.name))</h1>\n"
        out += "<p>Version <strong>\(HTMLText.escape(d.version))</strong>, effective "
        out += "<time datetime=\"\(HTMLText.escape(d.effectiveDate))\">\(HTMLText.escape(d.effectiveDate))</time>.</p>\n"
        let sections = PolicyDocument.build(d)
        out += "<nav aria-label=\"Contents\"><ol>\n"
        for content in sections {
            out += "<li><a href=\"#\(content.section.rawValue)\">\(HTMLText.escape(content.section.title))</a></li>\n"
        }
        out += "</ol></nav>\n"
        for content in sections {
            let id = content.section.rawValue
            out += "<section id=\"\(id)\" aria-labelledby=\"\(id)-title\">\n"
            out += "<h2 id=\"\(id)-title\">\(HTMLText.escape(content.section.title))</h2>\n"
            for block in content.blocks { HTMLText.write(block, to: &out) }
            out += "</section>\n"
        }
        out += "</article>\n"
        return out
    }

    /// The declaration as JSON with a fixed key order, for machines (`/privacy.json`).
    public static func json(_ d: PrivacyDeclaration) -> String { PolicyJSON.value(d).serialized }
}
