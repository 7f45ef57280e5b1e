/// The sections of the published policy, in order; the raw value is the HTML id (`/privacy#retention`).
public enum PolicySection: String, Sendable, CaseIterable {
    case controller
    case dpo
    case collect
    case purposes
    case legitimateInterests = "legitimate-interests"
    case devices
    case recipients
    case transfers
    case retention
    case statistics = "public-statistics"
    case cookies
    case signals
    case rights
    case complaint
    case statutoryRequirement = "statutory-requirement"
    case automatedDecisions = "automated-decisions"
    case jurisdictions
    case version
    case changes

    public var title: String {
        switch self {
        case .controller: return "Who we are"
        case .dpo: return "Data protection officer"
        case .collect: return "What we collect"
        case .purposes: return "Why we use it and on what legal basis"
        case .legitimateInterests: return "Legitimate interests"
        case .devices: return "Data from devices"
        case .recipients: return "Who receives your data"
        case .transfers: return "Transfers outside the EU/EEA"
        case .retention: return "How long we keep it"
        case .statistics: return "Public statistics"
        case .cookies: return "Cookies"
        case .signals: return "Do Not Track and Global Privacy Control"
        case .rights: return "Your rights"
        case .complaint: return "Complaints"
        case .statutoryRequirement: return "Do you have to give us your data?"
        case .automatedDecisions: return "Automated decisions and profiling"
        case .jurisdictions: return "Deadlines and age of consent where you live"
        case .version: return "Version"
        case .changes: return "Changes to this policy"
        }
    }
}

/// A piece of inline text in the policy, rendered the same way by every format.
enum PolicyInline: Equatable {
    case text(String)
    case strong(String)
    case link(String, href: String)
}

/// A block of the policy independent of format, so Markdown and HTML say exactly the same thing.
enum PolicyBlock: Equatable {
    case paragraph([PolicyInline])
    case list([[PolicyInline]])
    case table(caption: String, headers: [String], rows: [[String]])
    /// A sub-heading with its own id (each right gets one so the policy can link to it).
    case subheading(id: String, title: String, blocks: [PolicyBlock])
}

/// One rendered section: its id, heading and content.
struct PolicySectionContent: Equatable {
    var section: PolicySection
    var blocks: [PolicyBlock]
}
