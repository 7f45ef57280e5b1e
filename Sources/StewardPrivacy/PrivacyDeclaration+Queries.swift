/// Questions the rest of Steward asks of the declaration: the purpose check, start-up warnings, the banner.
extension PrivacyDeclaration {
    /// True when `purpose` lists `category` or one of its ancestors, so processing it there is declared
    /// (the first half of the purpose check; consent is the other).
    public func declares(purpose key: String, category: String) -> Bool {
        guard let purpose = purpose(key) else { return false }
        return purpose.categories.contains { TaxonomyKey.isAncestor($0, of: category) }
    }

    /// The purposes that switch off when the request carries `Sec-GPC: 1` and/or `DNT: 1`.
    public func purposesOff(gpc: Bool, dnt: Bool) -> [Purpose] {
        purposes.filter { (gpc && $0.offByGPC) || (dnt && $0.offByDNT) }
    }

    /// The cookies of one banner category.
    public func cookies(in category: Cookie.Category) -> [Cookie] { cookies.filter { $0.category == category } }

    /// Operator placeholders still in the declaration (text containing `CHANGE ME` or an `example.invalid`
    /// address). They do not make it invalid, so a fresh install starts, but `policy check` and start-up should
    /// warn until they are replaced.
    public func placeholders() -> [DeclarationIssue] {
        var found: [DeclarationIssue] = []
        func look(_ path: String, _ text: String?) {
            guard let text, text.contains("CHANGE ME") || text.hasSuffix("example.invalid") else { return }
            let at = sourceMap.position(for: path)
            found.append(DeclarationIssue(line: at.line, column: at.column, path: path,
                                          message: "placeholder '\(text)' is still here; replace it with your own details"))
        }
        look("controller.name", controller.name)
        look("controller.address", controller.address)
        look("controller.email", controller.email)
        look("controller.phone", controller.phone)
        look("dpo.name", dpo?.name)
        look("dpo.email", dpo?.email)
        look("supervisoryAuthority.name", supervisoryAuthority.name)
        look("supervisoryAuthority.address", supervisoryAuthority.address)
        for (i, recipient) in recipients.enumerated() {
            look("recipients[\(i)].name", recipient.name)
            look("recipients[\(i)].transferSafeguard", recipient.transferSafeguard)
        }
        return found
    }
}
