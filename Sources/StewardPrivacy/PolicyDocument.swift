import StewardCore
/// Builds the format-neutral policy from a declaration: one section per `PolicySection`, each derived only from
/// the declaration, so the published text cannot drift from what the platform enforces (promise ST-1).
enum PolicyDocument {
    static func build(_ d: PrivacyDeclaration) -> [PolicySectionContent] {
        PolicySection.allCases.map { PolicySectionContent(section: $0, blocks: blocks($0, d)) }
    }

    static func p(_ text: String) -> PolicyBlock { .paragraph([.text(text)]) }

    /// The console's public pages for requests and complaints from people who are not signed in.
    static let requestPage = "/privacy/request"
    static let complaintPage = "/privacy/complaint"

    static func categoryName(_ d: PrivacyDeclaration, _ key: String) -> String { d.category(key)?.name ?? key }

    static func blocks(_ section: PolicySection, _ d: PrivacyDeclaration) -> [PolicyBlock] {
        switch section {
        case .controller:
            var lines: [[PolicyInline]] = [
                [.strong(d.controller.name)], [.text("Address: " + d.controller.address)],
                [.text("Email: "), .link(d.controller.email, href: "mailto:" + d.controller.email)],
            ]
            if let phone = d.controller.phone { lines.append([.text("Phone: " + phone)]) }
            return [p("The controller responsible for your personal data is:"), .list(lines)]
        case .dpo:
            guard let dpo = d.dpo else { return [p("We have not appointed a data protection officer.")] }
            return [.paragraph([.text("You can reach our data protection officer, \(dpo.name), at "),
                                .link(dpo.email, href: "mailto:" + dpo.email), .text(".")])]
        case .collect:
            return [
                .table(caption: "Categories of personal data", headers: ["Category", "Key", "What it is", "Sensitive"],
                       rows: d.categories.map { [$0.name, $0.key, $0.description, $0.sensitive ? "yes" : "no"] }),
                .table(caption: "Whose data", headers: ["Data subject", "Who"],
                       rows: d.subjects.map { [$0.name, $0.description] }),
            ]
        case .purposes:
            return [.table(
                caption: "Purposes and legal bases",
                headers: ["Purpose", "What we do", "Legal basis", "Data used", "Consent", "Switched off by"],
                rows: d.purposes.map { purpose in
                    let signals = [purpose.offByGPC ? "GPC" : nil, purpose.offByDNT ? "DNT" : nil].compactMap { $0 }
                    return [purpose.name, purpose.description, purpose.legalBasis.title,
                            purpose.categories.map { categoryName(d, $0) }.joined(separator: ", "),
                            purpose.needsConsent ? "asked first; optional" : (purpose.optional ? "optional" : "not needed"),
                            signals.isEmpty ? "—" : signals.joined(separator: ", ")]
                })]
        case .legitimateInterests:
            let interests = d.purposes.filter { $0.legalBasis == .legitimateInterests }
            if interests.isEmpty { return [p("No processing rests on legitimate interests.")] }
            return [p("Where we rely on legitimate interests, these are the interests we pursue. You may object to them (see Your rights)."),
                    .list(interests.map { [.strong($0.name + ": "), .text($0.legitimateInterest ?? "")] })]
        case .devices:
            let rules = d.telemetry.rules.map { ["any device", $0.pattern, categoryName(d, $0.category)] }
            let profiled = d.telemetry.profiles.flatMap { profile in
                profile.rules.map { ["profile " + profile.profile, $0.pattern, categoryName(d, $0.category)] }
            }
            return [p("Devices send readings and attributes under keys. We classify each key by the rules below; a device profile's own rules come first, and a key no rule matches is treated as \(categoryName(d, d.telemetry.defaultCategory))."),
                    .table(caption: "How device data keys are classified", headers: ["Applies to", "Key pattern", "Category"],
                           rows: profiled + rules)]
        case .recipients:
            if d.recipients.isEmpty { return [p("We share your data with no one.")] }
            return [p("Your data goes to no one outside this list. We do not sell personal data."),
                    .table(caption: "Recipients and subprocessors", headers: ["Recipient", "Role", "Purposes", "Data", "Location"],
                           rows: d.recipients.map { r in
                               [r.name, r.kind.rawValue, r.purposes.map { d.purpose($0)?.name ?? $0 }.joined(separator: ", "),
                                r.categories.map { categoryName(d, $0) }.joined(separator: ", "), r.location]
                           })]
        case .transfers:
            let abroad = d.recipients.filter(\.isThirdCountry)
            var blocks: [PolicyBlock] = [p(abroad.isEmpty
                ? "We transfer no personal data outside the EU/EEA."
                : "These recipients are outside the EU/EEA; each transfer rests on the safeguard shown.")]
            let rows = d.recipients.map { [$0.name, $0.location, $0.isThirdCountry ? ($0.transferSafeguard ?? "") : "within the EU/EEA, none needed"] }
            if !rows.isEmpty {
                blocks.append(.table(caption: "Transfers and safeguards", headers: ["Recipient", "Location", "Safeguard"], rows: rows))
            }
            return blocks
        case .retention:
            return [.table(caption: "Retention per category", headers: ["Category", "Kept for", "Then", "Kept longer for"],
                           rows: d.retention.map { rule in
                               [categoryName(d, rule.category), Durations.words(rule.period), rule.outcomeWords, rule.legalHold ?? "—"]
                           })]
        case .statistics: return PublicStatisticsPolicy.blocks(d)
        case .cookies:
            return [p("Only strictly necessary cookies are set without your consent. You can change your choice at any time from the link in every page footer."),
                    .table(caption: "Cookies", headers: ["Cookie", "Category", "Purpose", "Lifetime", "What it does"],
                           rows: d.cookies.map { [$0.name, $0.category.rawValue, d.purpose($0.purpose)?.name ?? $0.purpose, Durations.words($0.lifetime), $0.description] })]
        case .signals:
            let off = d.purposes.filter { $0.offByGPC || $0.offByDNT }.map(\.name)
            var blocks = [p(d.dntGpcStatement)]
            if !off.isEmpty { blocks.append(p("A signal switches off: " + off.joined(separator: ", ") + ".")) }
            return blocks
        case .rights:
            return [p("You can exercise each right from the page named below once signed in, free of charge."),
                    .paragraph([.text("Not signed in, or no account? Ask at "), .link(PolicyDocument.requestPage, href: PolicyDocument.requestPage),
                                .text(": we act once you confirm, by a link we mail you, that the email address is yours, and answer within the deadline of your jurisdiction (see Jurisdictions). To complain, use "),
                                .link(PolicyDocument.complaintPage, href: PolicyDocument.complaintPage), .text(".")])]
                + Right.Key.allCases.compactMap { key -> PolicyBlock? in
                    guard let right = d.right(key) else { return nil }
                    return .subheading(id: key.anchor, title: key.title, blocks: [
                        .paragraph([.text(rightText(key)), .text(" Exercise it at "), .link(right.page, href: right.page), .text(".")]),
                    ])
                }
        case .complaint:
            let a = d.supervisoryAuthority
            var blocks: [PolicyBlock] = [.paragraph([.text("You have the right to lodge a complaint with a supervisory authority, in particular where you live or work. Ours is "),
                                                     .link(a.name, href: a.url), .text(".")])]
            if let address = a.address { blocks.append(p("Address: " + address)) }
            if let page = d.right(.complaint)?.page {
                blocks.append(.paragraph([.text("You can also complain to us first at "), .link(page, href: page), .text(".")]))
            }
            return blocks
        case .statutoryRequirement: return [p(d.statutoryRequirement)]
        case .automatedDecisions: return [p(d.automatedDecisionMaking)]
        case .jurisdictions:
            return [p("We answer requests within the deadline of your jurisdiction and tell you of any extension, with reasons, in time. Below the age of digital consent an account needs a parent's verified consent."),
                    .table(caption: "Deadlines and age of consent", headers: ["Jurisdiction", "Answer within", "Extension", "Told of extension within", "Receipt confirmed within", "Age of consent", "Countries"],
                           rows: d.jurisdictions.map { j in
                               [j.name, j.deadlineUnit.words(j.requestDeadline),
                                j.extension == 0 ? "none" : j.deadlineUnit.words(j.extension), j.deadlineUnit.words(j.extensionNotice),
                                j.acknowledgementBusinessDays.map { "\($0) business days" } ?? "—",
                                "\(j.ageOfConsent)" + (j.saleOptInAge.map { " (\($0) to opt in to sale or sharing)" } ?? ""),
                                j.coveredCountries.joined(separator: ", ")]
                           })]
        case .version:
            return [.list([[.text("Version: "), .strong(d.version)], [.text("Effective date: "), .strong(d.effectiveDate)]])]
        case .changes:
            return [p("A material change is announced by email and at your next sign-in, and purposes resting on consent ask you again."),
                    .table(caption: "Change log", headers: ["Version", "Date", "Material", "What changed"],
                           rows: d.changeLog.map { [$0.version, $0.date, $0.material ? "yes" : "no", $0.summary] })]
        }
    }

    static func rightText(_ key: Right.Key) -> String {
        switch key {
        case .access: return "You can ask whether we hold data about you and get a copy, with what each item is, why we keep it, who received it and how long it stays."
        case .rectification: return "You can correct or complete your data."
        case .erasure: return "You can have your account and data deleted, except what a declared legal duty keeps (the retention table says which)."
        case .restriction: return "You can ask us to only store your data while accuracy or an objection is being checked."
        case .portability: return "You can download the data you gave us in JSON and CSV and take it elsewhere."
        case .objection: return "You can object to processing that rests on legitimate interests, and to direct marketing at any time."
        case .withdrawConsent: return "You can withdraw any consent at any time, as easily as you gave it; it does not affect processing before the withdrawal."
        case .complaint: return "You can complain to us or to a supervisory authority (see Complaints)."
        case .automatedDecisions: return "You can ask about automated decisions and contest them (see Automated decisions and profiling)."
        }
    }
}
