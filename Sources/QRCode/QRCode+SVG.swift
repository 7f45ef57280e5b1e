extension QRCode {
    /// A standalone SVG: one <path> of dark modules (horizontal runs merged), a white background, 4-module quiet
    /// zone by default, `shape-rendering="crispEdges"`, viewBox in module units,
    /// width/height = (size + 2 × quietZone) × moduleSize px, plus role="img" and an aria-label/title given by the
    /// caller (escaped for XML).
    ///
    /// Vector output scales without blur and can be inlined into HTML or served as `image/svg+xml`; the white
    /// background and quiet zone keep it readable on dark pages, which readers need. `moduleSize` below 1 is
    /// treated as 1 and a negative `quietZone` as 0. There is no XML declaration, so the string can be inlined
    /// into HTML as it is.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4, label: String = "QR code") -> String {
        let moduleSize = max(1, moduleSize)
        let quietZone = max(0, quietZone)
        let extent = size + 2 * quietZone
        let pixels = extent * moduleSize
        let label = Self.xmlEscaped(label)

        var svg = ""
        svg.reserveCapacity(300 + label.utf8.count * 2 + size * size)
        svg += #"<svg xmlns="http://www.w3.org/2000/svg" version="1.1""#
        svg += #" width="\#(pixels)" height="\#(pixels)" viewBox="0 0 \#(extent) \#(extent)""#
        svg += #" shape-rendering="crispEdges" role="img" aria-label="\#(label)">"#
        svg += "<title>\(label)</title>"
        svg += ##"<rect x="0" y="0" width="\##(extent)" height="\##(extent)" fill="#ffffff"/>"##
        svg += ##"<path fill="#000000" d=""##
        for y in 0..<size {
            var x = 0
            while x < size {
                guard modules[y * size + x] else {
                    x += 1
                    continue
                }
                let start = x
                while x < size && modules[y * size + x] { x += 1 }
                let run = x - start
                // A 1-module-high rectangle: move to its top-left corner, across, down, back, close.
                svg += "M\(start + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
            }
        }
        svg += "\"/></svg>"
        return svg
    }

    /// `text` made safe for XML character data and quoted attribute values. Characters XML 1.0 forbids outright
    /// (most C0 controls, U+FFFE, U+FFFF) become U+FFFD so the document stays well-formed.
    static func xmlEscaped(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
