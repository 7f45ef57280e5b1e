import Foundation

/// The information GDPR Art. 13/14 requires a privacy notice to give, checked against a declaration.
///
/// The validator reports a missing item as an issue, and the renderers give each item its own section (with the
/// `sectionID` below), so a declaration that loads always publishes a complete notice.
public enum Art1314Checklist {
    public enum Item: String, Sendable, CaseIterable {
        case controller, dpo, purposes, legitimateInterests, recipients, transfers, retention
        case access, rectification, erasure, restriction, objection, portability
        case withdrawConsent, complaint, statutoryRequirement, automatedDecisions

        public var title: String {
            switch self {
            case .controller: return "Controller identity and contact details"
            case .dpo: return "Data protection officer contact details"
            case .purposes: return "Purposes and legal bases"
            case .legitimateInterests: return "Legitimate interests pursued"
            case .recipients: return "Recipients or categories of recipients"
            case .transfers: return "Third-country transfers and safeguards"
            case .retention: return "Storage period or criteria"
            case .access: return "Right of access"
            case .rectification: return "Right to rectification"
            case .erasure: return "Right to erasure"
            case .restriction: return "Right to restriction of processing"
            case .objection: return "Right to object"
            case .portability: return "Right to data portability"
            case .withdrawConsent: return "Right to withdraw consent"
            case .complaint: return "Right to lodge a complaint with a supervisory authority"
            case .statutoryRequirement: return "Whether providing data is a statutory or contractual requirement"
            case .automatedDecisions: return "Automated decision-making, including profiling"
            }
        }

        /// The id of the rendered section that carries the item.
        public var sectionID: String {
            switch self {
            case .controller: return PolicySection.controller.rawValue
            case .dpo: return PolicySection.dpo.rawValue
            case .purposes: return PolicySection.purposes.rawValue
            case .legitimateInterests: return PolicySection.legitimateInterests.rawValue
            case .recipients: return PolicySection.recipients.rawValue
            case .transfers: return PolicySection.transfers.rawValue
            case .retention: return PolicySection.retention.rawValue
            case .access: return Right.Key.access.anchor
            case .rectification: return Right.Key.rectification.anchor
            case .erasure: return Right.Key.erasure.anchor
            case .restriction: return Right.Key.restriction.anchor
            case .objection: return Right.Key.objection.anchor
            case .portability: return Right.Key.portability.anchor
            case .withdrawConsent: return Right.Key.withdrawConsent.anchor
            case .complaint: return PolicySection.complaint.rawValue
            case .statutoryRequirement: return PolicySection.statutoryRequirement.rawValue
            case .automatedDecisions: return PolicySection.automatedDecisions.rawValue
            }
        }

        /// Where the validator points when the item is missing.
        var declarationPath: String {
            switch self {
            case .controller: return "controller"
            case .dpo: return "dpo"
            case .purposes, .legitimateInterests: return "purposes"
            case .recipients, .transfers: return "recipients"
            case .retention: return "retention"
            case .access, .rectification, .erasure, .restriction, .objection, .portability, .withdrawConsent: return "rights"
            case .complaint: return "supervisoryAuthority"
            case .statutoryRequirement: return "statutoryRequirement"
            case .automatedDecisions: return "automatedDecisionMaking"
            }
        }

        var hint: String {
            switch self {
            case .controller: return "give controller name, address and email"
            case .dpo: return "add dpo with name and email (your privacy contact point if you have no DPO)"
            case .purposes: return "declare at least one purpose"
            case .legitimateInterests: return "state legitimateInterest for every purpose resting on legitimate interests"
            case .recipients: return "list who receives data under recipients (at least your mail provider)"
            case .transfers: return "give transferSafeguard for every recipient outside the EU/EEA"
            case .retention: return "give a retention rule covering every category a purpose uses"
            case .access, .rectification, .erasure, .restriction, .objection, .portability, .withdrawConsent:
                return "add the right with the /account/ page where it is exercised"
            case .complaint: return "name the supervisory authority and add the complaint right"
            case .statutoryRequirement: return "state whether providing data is required by law or contract"
            case .automatedDecisions: return "state whether automated decisions or profiling take place"
            }
        }
    }

    /// Each item with whether the declaration provides it.
    public static func check(_ d: PrivacyDeclaration) -> [(item: String, present: Bool)] {
        Item.allCases.map { ($0.title, isPresent($0, in: d)) }
    }

    public static func isPresent(_ item: Item, in d: PrivacyDeclaration) -> Bool {
        func filled(_ text: String?) -> Bool { !(text ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        func right(_ key: Right.Key) -> Bool { filled(d.right(key)?.page) }
        switch item {
        case .controller: return filled(d.controller.name) && filled(d.controller.address) && filled(d.controller.email)
        case .dpo: return filled(d.dpo?.name) && filled(d.dpo?.email)
        case .purposes: return !d.purposes.isEmpty
        case .legitimateInterests:
            return d.purposes.allSatisfy { $0.legalBasis != .legitimateInterests || filled($0.legitimateInterest) }
        case .recipients: return !d.recipients.isEmpty
        case .transfers: return d.recipients.allSatisfy { !$0.isThirdCountry || filled($0.transferSafeguard) }
        case .retention:
            // Undeclared categories are reported on their own; here only declared ones count.
            let used = Set(d.purposes.flatMap(\.categories)).filter { d.category($0) != nil }
            return !d.retention.isEmpty && used.allSatisfy { d.retentionRule(for: $0) != nil }
        case .access: return right(.access)
        case .rectification: return right(.rectification)
        case .erasure: return right(.erasure)
        case .restriction: return right(.restriction)
        case .objection: return right(.objection)
        case .portability: return right(.portability)
        case .withdrawConsent: return right(.withdrawConsent)
        case .complaint: return right(.complaint) && filled(d.supervisoryAuthority.name)
        case .statutoryRequirement: return filled(d.statutoryRequirement)
        case .automatedDecisions: return filled(d.automatedDecisionMaking)
        }
    }
}
