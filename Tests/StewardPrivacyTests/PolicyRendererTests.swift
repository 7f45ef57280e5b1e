import Foundation
import StewardCore
import StewardPrivacy
import Testing

/// The published policy in every format comes from the declaration and carries every required item.
@Suite struct PolicyRendererTests {
    let declaration = PrivacyDeclaration.bundledDefault

    // promise: ST-1
    @Test func everyFormatIsGeneratedFromTheDeclaration() throws {
        let html = PolicyRenderer.html(declaration)
        let markdown = PolicyRenderer.markdown(declaration)
        let json = try JSONParser.parse(PolicyRenderer.json(declaration))
        for category in declaration.categories {
            #expect(html.contains(htmlEscaped(category.name)), "\(category.key)")
        }
        for cookie in declaration.cookies {
            #expect(html.contains("<th scope=\"row\">\(cookie.name)</th>"))
            #expect(markdown.contains(cookie.name.replacingOccurrences(of: "_", with: "\\_")))
        }
        for recipient in declaration.recipients { #expect(html.contains(htmlEscaped(recipient.name))) }
        for purpose in declaration.purposes {
            let item = json["purposes"]?.arrayItems?.first { $0["key"]?.stringValue == purpose.key }
            #expect(item?["legalBasis"]?.stringValue == purpose.legalBasis.rawValue, "\(purpose.key)")
        }
        #expect(json["purposes"]?.arrayItems?.count == declaration.purposes.count)
        #expect(json["cookies"]?.arrayItems?.compactMap { $0["name"]?.stringValue } == declaration.cookies.map(\.name))
    }

    // promise: TB-6
    @Test func everyPurposeIsPublishedWithItsLegalBasis() {
        let html = PolicyRenderer.html(declaration)
        let markdown = PolicyRenderer.markdown(declaration)
        for purpose in declaration.purposes {
            #expect(html.contains("<th scope=\"row\">\(htmlEscaped(purpose.name))</th>"), "\(purpose.key)")
            #expect(html.contains(htmlEscaped(purpose.legalBasis.title)))
            #expect(markdown.contains(purpose.name))
        }
        #expect(html.contains("Legitimate interests (Art. 6(1)(f))"))
    }

    @Test func everyArt1314ItemHasItsSection() {
        let html = PolicyRenderer.html(declaration)
        let markdown = PolicyRenderer.markdown(declaration)
        for item in Art1314Checklist.Item.allCases {
            #expect(html.contains("id=\"\(item.sectionID)\""), "\(item.title)")
            #expect(markdown.contains("<a id=\"\(item.sectionID)\"></a>"), "\(item.title)")
        }
        for section in PolicySection.allCases {
            #expect(html.contains("<h2 id=\"\(section.rawValue)-title\">\(htmlEscaped(section.title))</h2>"))
            #expect(markdown.contains("## \(section.title)"))
        }
    }

    @Test func rightsLinkToTheirPages() {
        let html = PolicyRenderer.html(declaration)
        let markdown = PolicyRenderer.markdown(declaration)
        for right in declaration.rights {
            #expect(html.contains("<a href=\"\(right.page)\">"), "\(right.key)")
            #expect(markdown.contains("](\(right.page))"))
        }
        #expect(html.contains(htmlEscaped(declaration.supervisoryAuthority.name)))
        #expect(html.contains("Global Privacy Control (Sec-GPC: 1)"))
    }

    // promise: TB-1
    @Test func versionEffectiveDateAndChangeLogArePublished() throws {
        let html = PolicyRenderer.html(declaration)
        #expect(html.contains("<time datetime=\"2026-11-01\">2026-11-01</time>"))
        #expect(html.contains("id=\"changes\""))
        #expect(html.contains("<th scope=\"row\">2026-11-01</th><td data-label=\"Date\">2026-11-01</td><td data-label=\"Material\">yes</td>"))
        let json = try JSONParser.parse(PolicyRenderer.json(declaration))
        #expect(json["version"]?.stringValue == "2026-11-01")
        #expect(json["effectiveDate"]?.stringValue == "2026-11-01")
        #expect(json["changeLog"]?.arrayItems?.first?["material"] == .bool(true))
    }

    // promise: MS-11
    @Test func keptUntilDeletionIsSaidInThePolicy() {
        let html = PolicyRenderer.html(declaration)
        #expect(declaration.retention.contains { $0.period == "account-lifetime" })
        #expect(html.contains("as long as the account exists (until you delete it)"))
        #expect(
            html.contains("<th scope=\"row\">Precise location</th><td data-label=\"Kept for\">90 days</td><td data-label=\"Then\">delete</td>"))
    }

    @Test func everythingIsEscaped() throws {
        var hostile = declaration
        hostile.controller.name = "<script>alert(1)</script> & Co"
        hostile.purposes[0].description = "uses <b>bold</b> | pipes"
        hostile.supervisoryAuthority.url = "javascript:alert(1)"
        let html = PolicyRenderer.html(hostile)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(!html.contains("href=\"javascript:"))
        let markdown = PolicyRenderer.markdown(hostile)
        #expect(!markdown.contains("<script>"))
        #expect(markdown.contains("&lt;script&gt;"))
        #expect(markdown.contains("\\| pipes"))
        let json = try JSONParser.parse(PolicyRenderer.json(hostile))
        #expect(json["controller"]?["name"]?.stringValue == "<script>alert(1)</script> & Co")
    }

    @Test func jsonIsStable() throws {
        let first = PolicyRenderer.json(declaration)
        let again = PolicyRenderer.json(try PrivacyDeclaration.load(yaml: PrivacyDeclaration.bundledDefaultYAML))
        #expect(first == again)
        let keys = try JSONParser.parse(first).objectMembers?.map(\.key)
        #expect(keys?.first == "version")
        #expect(keys?.contains("statutoryRequirement") == true)
    }
}

/// The HTML-escaped form of `text`, as the renderer writes it.
func htmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;")
}

extension JSONValue {
    var arrayItems: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
