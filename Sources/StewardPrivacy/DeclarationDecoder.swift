import StewardCore
import Yams

/// Turns the YAML text into a `PrivacyDeclaration`, reporting every structural problem (unknown, missing,
/// duplicate or mistyped fields) with its line. Missing values become empty placeholders so reading continues.
enum DeclarationDecoder {
    static let rootFields = [
        "version", "effectiveDate", "controller", "dpo", "supervisoryAuthority", "categories", "subjects", "purposes",
        "retention", "recipients", "cookies", "telemetry", "jurisdictions", "rights", "changeLog", "dntGpcStatement",
        "statutoryRequirement", "automatedDecisionMaking", "statistics",
    ]

    static func decode(yaml: String) throws(DeclarationError) -> (PrivacyDeclaration, [DeclarationIssue]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw .unreadable(describe(error))
        } catch {
            throw .unreadable("\(error)")
        }
        let sink = IssueSink()
        let document = root ?? Node.mapping(Node.Mapping([]))
        guard let top = MappingReader(document, path: "", fields: rootFields, sink: sink) else {
            return (empty(sink), sink.issues)
        }
        let declaration = PrivacyDeclaration(
            version: top.string("version") ?? "",
            effectiveDate: top.string("effectiveDate") ?? "",
            controller: controller(top),
            dpo: top.mapping("dpo", fields: ["name", "email"], required: false).map {
                ProtectionOfficer(name: $0.string("name") ?? "", email: $0.string("email") ?? "")
            },
            supervisoryAuthority: authority(top),
            categories: top.items("categories").compactMap { item in
                MappingReader(item.node, path: item.path, fields: ["key", "name", "description", "sensitive"], sink: sink)
                    .map {
                        DataCategory(
                            key: $0.string("key") ?? "", name: $0.string("name") ?? "",
                            description: $0.string("description") ?? "", sensitive: $0.bool("sensitive", default: false))
                    }
            },
            subjects: top.items("subjects").compactMap { item in
                MappingReader(item.node, path: item.path, fields: ["key", "name", "description"], sink: sink).map {
                    DataSubject(key: $0.string("key") ?? "", name: $0.string("name") ?? "", description: $0.string("description") ?? "")
                }
            },
            purposes: top.items("purposes").compactMap { purpose($0.node, $0.path, sink) },
            retention: top.items("retention").compactMap { item in
                MappingReader(item.node, path: item.path, fields: ["category", "period", "then", "legalHold", "hourlyUntil", "dailyUntil"], sink: sink)
                    .map {
                        RetentionRule(
                            category: $0.string("category") ?? "", period: $0.string("period") ?? "",
                            then: $0.choice("then", RetentionRule.Outcome.self) ?? .delete,
                            legalHold: $0.string("legalHold", required: false),
                            hourlyUntil: $0.string("hourlyUntil", required: false), dailyUntil: $0.string("dailyUntil", required: false))
                    }
            },
            recipients: top.items("recipients", required: false).compactMap { recipient($0.node, $0.path, sink) },
            cookies: top.items("cookies", required: false).compactMap { item in
                MappingReader(
                    item.node, path: item.path, fields: ["name", "category", "purpose", "lifetime", "description"], sink: sink
                ).map {
                    Cookie(
                        name: $0.string("name") ?? "", category: $0.choice("category", Cookie.Category.self) ?? .necessary,
                        purpose: $0.string("purpose") ?? "", lifetime: $0.string("lifetime") ?? "",
                        description: $0.string("description") ?? "")
                }
            },
            telemetry: telemetry(top, sink),
            jurisdictions: top.items("jurisdictions").compactMap { jurisdiction($0.node, $0.path, sink) },
            rights: top.items("rights").compactMap { item in
                MappingReader(item.node, path: item.path, fields: ["key", "page"], sink: sink).map {
                    Right(key: $0.choice("key", Right.Key.self) ?? .access, page: $0.string("page") ?? "")
                }
            },
            changeLog: top.items("changeLog").compactMap { item in
                MappingReader(
                    item.node, path: item.path,
                    fields: ["version", "date", "material", "summary", "narrowsRights", "acceptedByExplicitConsent"],
                    sink: sink
                ).map {
                    PolicyChange(
                        version: $0.string("version") ?? "", date: $0.string("date") ?? "",
                        material: $0.requiredBool("material"), summary: $0.string("summary") ?? "",
                        narrowsRights: $0.bool("narrowsRights", default: false),
                        acceptedByExplicitConsent: $0.bool("acceptedByExplicitConsent", default: false))
                }
            },
            dntGpcStatement: top.string("dntGpcStatement") ?? "",
            statutoryRequirement: top.string("statutoryRequirement") ?? "",
            automatedDecisionMaking: top.string("automatedDecisionMaking") ?? "",
            sourceMap: SourceMap()
        )
        var result = declaration
        result.statistics = statistics(top, sink)
        result.sourceMap = sink.sourceMap
        return (result, sink.issues)
    }

    private static func controller(_ top: MappingReader) -> Controller {
        guard let c = top.mapping("controller", fields: ["name", "address", "email", "phone"]) else {
            return Controller(name: "", address: "", email: "")
        }
        return Controller(
            name: c.string("name") ?? "", address: c.string("address") ?? "", email: c.string("email") ?? "",
            phone: c.string("phone", required: false))
    }

    private static func authority(_ top: MappingReader) -> SupervisoryAuthority {
        guard let a = top.mapping("supervisoryAuthority", fields: ["name", "url", "address"]) else {
            return SupervisoryAuthority(name: "", url: "")
        }
        return SupervisoryAuthority(
            name: a.string("name") ?? "", url: a.string("url") ?? "", address: a.string("address", required: false))
    }

    private static func purpose(_ node: Node, _ path: String, _ sink: IssueSink) -> Purpose? {
        let fields = [
            "key", "name", "description", "legalBasis", "legitimateInterest", "categories", "subjects", "needsConsent",
            "offByGPC", "offByDNT", "optional",
        ]
        guard let p = MappingReader(node, path: path, fields: fields, sink: sink) else { return nil }
        let needsConsent = p.requiredBool("needsConsent")
        // A misspelt basis is already reported; the stand-in agrees with needsConsent so it adds no second error.
        let basis = p.choice("legalBasis", LegalBasis.self) ?? (needsConsent ? .consent : .contract)
        return Purpose(
            key: p.string("key") ?? "", name: p.string("name") ?? "", description: p.string("description") ?? "",
            legalBasis: basis,
            legitimateInterest: p.string("legitimateInterest", required: false),
            categories: p.strings("categories"), subjects: p.strings("subjects"),
            needsConsent: needsConsent, offByGPC: p.bool("offByGPC", default: false),
            offByDNT: p.bool("offByDNT", default: false), optional: p.bool("optional", default: false))
    }

    private static func recipient(_ node: Node, _ path: String, _ sink: IssueSink) -> Recipient? {
        let fields = ["name", "kind", "purposes", "categories", "location", "transferSafeguard"]
        guard let r = MappingReader(node, path: path, fields: fields, sink: sink) else { return nil }
        return Recipient(
            name: r.string("name") ?? "", kind: r.choice("kind", Recipient.Kind.self) ?? .processor,
            purposes: r.strings("purposes"), categories: r.strings("categories"), location: r.string("location") ?? "",
            transferSafeguard: r.string("transferSafeguard", required: false))
    }

    private static func rules(_ reader: MappingReader) -> [TelemetryMapping.Rule] {
        reader.items("rules", required: false).compactMap { item in
            MappingReader(item.node, path: item.path, fields: ["pattern", "category"], sink: reader.sink).map {
                TelemetryMapping.Rule(pattern: $0.string("pattern") ?? "", category: $0.string("category") ?? "")
            }
        }
    }

    private static func telemetry(_ top: MappingReader, _ sink: IssueSink) -> TelemetryMapping {
        guard let t = top.mapping("telemetry", fields: ["defaultCategory", "rules", "profiles"]) else {
            return TelemetryMapping(defaultCategory: "")
        }
        let profiles = t.items("profiles", required: false).compactMap { item in
            MappingReader(item.node, path: item.path, fields: ["profile", "rules"], sink: sink).map {
                TelemetryMapping.Profile(profile: $0.string("profile") ?? "", rules: rules($0))
            }
        }
        return TelemetryMapping(defaultCategory: t.string("defaultCategory") ?? "", rules: rules(t), profiles: profiles)
    }

    private static func jurisdiction(_ node: Node, _ path: String, _ sink: IssueSink) -> Jurisdiction? {
        let fields = [
            "code", "name", "deadlineUnit", "requestDeadline", "extension", "extensionNotice", "acknowledgementBusinessDays",
            "ageOfConsent", "saleOptInAge", "countries",
        ]
        guard let j = MappingReader(node, path: path, fields: fields, sink: sink) else { return nil }
        let countries = j.value("countries", required: false) == nil ? nil : j.strings("countries")
        // Calendar days unless the entry says otherwise, so declarations written before the field still mean the same.
        let unit = j.value("deadlineUnit", required: false) == nil ? .days : j.choice("deadlineUnit", Jurisdiction.DeadlineUnit.self) ?? .days
        return Jurisdiction(
            code: j.string("code") ?? "", name: j.string("name") ?? "", deadlineUnit: unit,
            requestDeadline: j.int("requestDeadline") ?? 0,
            extension: j.int("extension") ?? 0, extensionNotice: j.int("extensionNotice") ?? 0,
            acknowledgementBusinessDays: j.int("acknowledgementBusinessDays", required: false),
            ageOfConsent: j.int("ageOfConsent") ?? 0, saleOptInAge: j.int("saleOptInAge", required: false),
            countries: countries)
    }

    private static func empty(_ sink: IssueSink) -> PrivacyDeclaration {
        PrivacyDeclaration(
            version: "", effectiveDate: "", controller: Controller(name: "", address: "", email: ""),
            supervisoryAuthority: SupervisoryAuthority(name: "", url: ""), categories: [], subjects: [], purposes: [],
            retention: [], recipients: [], cookies: [], telemetry: TelemetryMapping(defaultCategory: ""),
            jurisdictions: [], rights: [], changeLog: [], dntGpcStatement: "", statutoryRequirement: "",
            automatedDecisionMaking: "", sourceMap: sink.sourceMap)
    }

    /// Yams' error with its line and column, in one sentence.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(where_)"
        default:
            return "\(error)"
        }
    }
}
