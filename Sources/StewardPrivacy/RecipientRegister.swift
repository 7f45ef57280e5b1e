import StewardCore

/// The declared register of recipients as a gate: data leaves Steward only to a recipient the declaration names
/// for that purpose and those categories (promise TB-7). Nothing is sold: the register has no kind for it.
public struct RecipientRegister: Sendable {
    public let declaration: PrivacyDeclaration

    public init(declaration: PrivacyDeclaration) {
        self.declaration = declaration
    }

    /// The declared processors that receive `categories` for `purpose`.
    public func processors(for purpose: String, categories: [String]) -> [Recipient] {
        declaration.recipients.filter { recipient in
            recipient.kind == .processor && recipient.purposes.contains(purpose)
                && categories.allSatisfy { category in
                    recipient.categories.contains { TaxonomyKey.isAncestor($0, of: category) }
                }
        }
    }

    /// Throws, naming what is missing, unless some declared processor receives `categories` for `purpose`.
    @discardableResult
    public func requireProcessor(for purpose: String, categories: [String], what: String) throws(StewardError) -> Recipient {
        if let recipient = processors(for: purpose, categories: categories).first { return recipient }
        throw StewardError.forbidden(
            "\(what) would send \(categories.joined(separator: ", ")) to a recipient the privacy declaration does not name for '\(purpose)'. Add the provider under `recipients:` (kind: processor, purposes: [\(purpose)], categories: [\(categories.joined(separator: ", "))], location, transferSafeguard) with a new version and change-log entry, or leave it unconfigured")
    }

    /// Throws unless a recipient of `kind` called `name` is declared for `purpose` and every category.
    @discardableResult
    public func require(_ name: String, kind: Recipient.Kind, purpose: String, categories: [String]) throws(StewardError) -> Recipient {
        guard let recipient = declaration.recipients.first(where: { $0.name.lowercased() == name.lowercased() && $0.kind == kind })
        else {
            throw StewardError.forbidden("'\(name)' is not a declared \(kind.rawValue) in the privacy declaration's recipient register")
        }
        guard recipient.purposes.contains(purpose) else {
            throw StewardError.forbidden("'\(recipient.name)' is declared, but not for '\(purpose)'")
        }
        let undeclared = categories.filter { category in !recipient.categories.contains { TaxonomyKey.isAncestor($0, of: category) } }
        guard undeclared.isEmpty else {
            throw StewardError.forbidden("'\(recipient.name)' is not declared to receive \(undeclared.joined(separator: ", "))")
        }
        return recipient
    }

    /// One line per processor, as recorded with each version to notice subprocessor changes (promise TM-7).
    public var processorLines: [String] {
        declaration.recipients.filter { $0.kind == .processor }.map { recipient in
            "\(recipient.name) (\(recipient.location), safeguard: \(recipient.transferSafeguard ?? "none needed")): \(recipient.purposes.joined(separator: ", ")); \(recipient.categories.joined(separator: ", "))"
        }
    }
}
