import StewardCore

/// The declaration as a `JSONValue` whose members always come in the same order, so `/privacy.json` is stable
/// enough to diff between versions.
enum PolicyJSON {
    static func string(_ s: String) -> JSONValue { .string(s) }
    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    static func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
    static func number(_ n: Int) -> JSONValue { .number(String(n)) }
    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(members.map { JSONMember($0.0, $0.1) }) }

    static func value(_ d: PrivacyDeclaration) -> JSONValue {
        object([
            ("version", string(d.version)),
            ("effectiveDate", string(d.effectiveDate)),
            ("controller", object([("name", string(d.controller.name)), ("address", string(d.controller.address)),
                                   ("email", string(d.controller.email)), ("phone", optional(d.controller.phone))])),
            ("dpo", d.dpo.map { object([("name", string($0.name)), ("email", string($0.email))]) } ?? .null),
            ("supervisoryAuthority", object([("name", string(d.supervisoryAuthority.name)), ("url", string(d.supervisoryAuthority.url)),
                                             ("address", optional(d.supervisoryAuthority.address))])),
            ("categories", .array(d.categories.map {
                object([("key", string($0.key)), ("name", string($0.name)), ("description", string($0.description)), ("sensitive", .bool($0.sensitive))])
            })),
            ("subjects", .array(d.subjects.map { object([("key", string($0.key)), ("name", string($0.name)), ("description", string($0.description))]) })),
            ("purposes", .array(d.purposes.map(purpose))),
            ("retention", .array(d.retention.map {
                object([("category", string($0.category)), ("period", string($0.period)), ("then", string($0.then.rawValue)), ("legalHold", optional($0.legalHold)), ("hourlyUntil", optional($0.hourlyUntil)), ("dailyUntil", optional($0.dailyUntil))])
            })),
            ("recipients", .array(d.recipients.map {
                object([("name", string($0.name)), ("kind", string($0.kind.rawValue)), ("purposes", strings($0.purposes)),
                        ("categories", strings($0.categories)), ("location", string($0.location)),
                        ("transferSafeguard", optional($0.transferSafeguard))])
            })),
            ("cookies", .array(d.cookies.map {
                object([("name", string($0.name)), ("category", string($0.category.rawValue)), ("purpose", string($0.purpose)),
                        ("lifetime", string($0.lifetime)), ("description", string($0.description))])
            })),
            ("telemetry", telemetry(d.telemetry)),
            ("jurisdictions", .array(d.jurisdictions.map(jurisdiction))),
            ("rights", .array(d.rights.map { object([("key", string($0.key.rawValue)), ("page", string($0.page))]) })),
            ("changeLog", .array(d.changeLog.map {
                object([("version", string($0.version)), ("date", string($0.date)), ("material", .bool($0.material)),
                        ("summary", string($0.summary)), ("narrowsRights", .bool($0.narrowsRights)),
                        ("acceptedByExplicitConsent", .bool($0.acceptedByExplicitConsent))])
            })),
            ("dntGpcStatement", string(d.dntGpcStatement)),
            ("statutoryRequirement", string(d.statutoryRequirement)),
            ("automatedDecisionMaking", string(d.automatedDecisionMaking)),
            ("statistics", d.statistics.map {
                object([("minimumGroupSize", number($0.minimumGroupSize)),
                        ("publish", .array($0.publish.map { object([("category", string($0.category)), ("per", string($0.per))]) }))])
            } ?? .null),
        ])
    }

    static func purpose(_ p: Purpose) -> JSONValue {
        object([
            ("key", string(p.key)), ("name", string(p.name)), ("description", string(p.description)),
            ("legalBasis", string(p.legalBasis.rawValue)), ("legitimateInterest", optional(p.legitimateInterest)),
            ("categories", strings(p.categories)), ("subjects", strings(p.subjects)), ("needsConsent", .bool(p.needsConsent)),
            ("offByGPC", .bool(p.offByGPC)), ("offByDNT", .bool(p.offByDNT)), ("optional", .bool(p.optional)),
        ])
    }

    static func rules(_ rules: [TelemetryMapping.Rule]) -> JSONValue {
        .array(rules.map { object([("pattern", string($0.pattern)), ("category", string($0.category))]) })
    }

    static func telemetry(_ t: TelemetryMapping) -> JSONValue {
        object([
            ("defaultCategory", string(t.defaultCategory)), ("rules", rules(t.rules)),
            ("profiles", .array(t.profiles.map { object([("profile", string($0.profile)), ("rules", rules($0.rules))]) })),
        ])
    }

    static func jurisdiction(_ j: Jurisdiction) -> JSONValue {
        object([
            ("code", string(j.code)), ("name", string(j.name)), ("deadlineUnit", string(j.deadlineUnit.rawValue)),
            ("requestDeadline", number(j.requestDeadline)),
            ("extension", number(j.extension)), ("extensionNotice", number(j.extensionNotice)),
            ("acknowledgementBusinessDays", j.acknowledgementBusinessDays.map(number) ?? .null),
            ("ageOfConsent", number(j.ageOfConsent)), ("saleOptInAge", j.saleOptInAge.map(number) ?? .null),
            ("countries", j.countries.map(strings) ?? .null),
        ])
    }
}
