import QRCode
import Testing

import Foundation
#if canImport(FoundationXML)
    import FoundationXML  // XMLParser lives here on Linux
#endif

/// Collects elements, attributes and the <title> text of a parsed SVG.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var title = ""
    private var inTitle = false

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        elements.append((elementName, attributeDict))
        inTitle = elementName == "title"
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        inTitle = false
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inTitle { title += string }
    }

    /// Parses `svg`, recording an issue (and returning nil) if it is not well-formed XML.
    static func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> SVGCollector? {
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else {
            Issue.record(
                "SVG is not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
            return nil
        }
        return collector
    }

    func attributes(of name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

/// The horizontal runs of a path made only of "M x y h n v 1 h -n z" rectangles, or nil if it has anything else.
func runs(inPath d: String) -> [(x: Int, y: Int, length: Int)]? {
    var result: [(x: Int, y: Int, length: Int)] = []
    for rectangle in d.split(separator: "z") {
        // "M12 4h3v1h-3"
        guard rectangle.first == "M" else { return nil }
        let numbers = rectangle.dropFirst().split(whereSeparator: { "hv ".contains($0) }).map { Int($0) }
        guard numbers.count == 5, let x = numbers[0], let y = numbers[1], let length = numbers[2],
            numbers[3] == 1, numbers[4] == -length, length > 0
        else { return nil }
        result.append((x, y, length))
    }
    return result
}

@Suite struct QRCodeSVGTests {
    @Test func wellFormedWithDocumentedAttributes() throws {
        let code = try QRCode(text: otpauthURI)
        let svg = code.svg()
        let parsed = try #require(SVGCollector.parse(svg))
        #expect(parsed.elements.map(\.name) == ["svg", "title", "rect", "path"])
        let root = try #require(parsed.attributes(of: "svg").first)
        let pixels = (code.size + 8) * 4
        #expect(root["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root["width"] == "\(pixels)")
        #expect(root["height"] == "\(pixels)")
        #expect(root["viewBox"] == "0 0 \(code.size + 8) \(code.size + 8)")
        #expect(root["shape-rendering"] == "crispEdges")
        #expect(root["role"] == "img")
        #expect(root["aria-label"] == "QR code")
        #expect(parsed.title == "QR code")
        let background = try #require(parsed.attributes(of: "rect").first)
        #expect(background["fill"] == "#ffffff")
        #expect(background["width"] == "\(code.size + 8)")
        #expect(background["height"] == "\(code.size + 8)")
    }

    @Test(arguments: [(4, 4), (1, 0), (10, 2)])
    func pathDrawsExactlyTheDarkModules(moduleSize: Int, quietZone: Int) throws {
        let code = try QRCode(text: otpauthURI, errorCorrection: .high)
        let svg = code.svg(moduleSize: moduleSize, quietZone: quietZone)
        let parsed = try #require(SVGCollector.parse(svg))
        let root = try #require(parsed.attributes(of: "svg").first)
        #expect(root["width"] == "\((code.size + 2 * quietZone) * moduleSize)")
        #expect(root["viewBox"] == "0 0 \(code.size + 2 * quietZone) \(code.size + 2 * quietZone)")
        let paths = parsed.attributes(of: "path")
        try #require(paths.count == 1)
        let drawn = try #require(runs(inPath: paths[0]["d"] ?? ""), "path has unexpected commands")

        var painted = [Int](repeating: 0, count: code.size * code.size)
        for run in drawn {
            for x in run.x..<(run.x + run.length) {
                let (mx, my) = (x - quietZone, run.y - quietZone)
                try #require(mx >= 0 && mx < code.size && my >= 0 && my < code.size, "run outside the symbol")
                painted[my * code.size + mx] += 1
            }
        }
        #expect(painted.reduce(0, +) == code.modules.filter { $0 }.count)
        #expect(painted.map { $0 == 1 } == code.modules, "every dark module painted once, no light one")
        // Runs are merged: no two runs touch on the same row.
        let ends = Set(drawn.map { [$0.x + $0.length, $0.y] })
        #expect(!drawn.contains { ends.contains([$0.x, $0.y]) })
    }

    @Test func labelIsEscaped() throws {
        let label = #"Scan <me> & "enrol" 'now'"#
        let svg = try QRCode(text: "x").svg(label: label)
        #expect(svg.contains(#"aria-label="Scan &lt;me&gt; &amp; &quot;enrol&quot; &apos;now&apos;""#))
        #expect(svg.contains("<title>Scan &lt;me&gt; &amp; &quot;enrol&quot; &apos;now&apos;</title>"))
        let parsed = try #require(SVGCollector.parse(svg))
        #expect(parsed.attributes(of: "svg").first?["aria-label"] == label)
        #expect(parsed.title == label)
    }

    @Test func controlCharactersInLabelKeepDocumentWellFormed() throws {
        let svg = try QRCode(text: "x").svg(label: "bell\u{7}nul\u{0}")
        let parsed = try #require(SVGCollector.parse(svg))
        #expect(parsed.title == "bell\u{FFFD}nul\u{FFFD}")
    }

    @Test func nonsenseSizesAreClamped() throws {
        let code = try QRCode(text: "x")
        let parsed = try #require(SVGCollector.parse(code.svg(moduleSize: 0, quietZone: -3)))
        #expect(parsed.attributes(of: "svg").first?["width"] == "\(code.size)")
        #expect(parsed.attributes(of: "svg").first?["viewBox"] == "0 0 \(code.size) \(code.size)")
    }
}
