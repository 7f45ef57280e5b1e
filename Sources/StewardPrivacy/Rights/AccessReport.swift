import StewardCore
import StewardStore

/// Everything held about a person, by kind of record, each with its categories and, for each category, the purposes
/// and legal bases, recipients, source and retention the declaration states (promises TM-15, TM-3, TB-5).
public struct AccessReport: Sendable {
    public struct Section: Sendable {
        public var name: String
        public var title: String
        public var description: String
        public var source: String
        public var categories: [CategoryFacts]
        public var columns: [String]
        /// At most `rowLimit` rows, newest last; `total` says how many there are.
        public var rows: [[String]]
        public var total: Int
    }

    /// Readings per device and key.
    public struct ReadingSummary: Sendable {
        public var device: String
        public var key: String
        public var category: CategoryFacts
        public var count: Int
    }

    public var sections: [Section]
    public var readings: [ReadingSummary]

    /// Builds the report; `rowLimit` bounds what a page shows (the export has everything).
    public static func build(
        for user: UserID, store: any PersonalDataStore, declaration: PrivacyDeclaration, extraTables: [PersonalTable] = [],
        rowLimit: Int = 50
    ) async throws -> AccessReport {
        var tables: [(PersonalTable, Int)] = []
        for kind in PersonalRecordKind.allCases {
            tables.append(try await store.newestPersonalRecords(kind, of: user, limit: rowLimit))
        }
        let devices = try await store.devices(concerning: user)
        tables += (extraTables + [PersonalTable.devices(devices)]).map { ($0, $0.rows.count) }
        var sections: [Section] = []
        for (table, total) in tables {
            let entry = PersonalDataCatalog.entry(table.name)
            var source = entry?.source ?? "the platform"
            if table.name == "profile", let index = table.columns.firstIndex(of: "source"), case .string(let origin)? = table.rows.first?[index] {
                source = origin
            }
            sections.append(
                Section(
                    name: table.name, title: entry?.title ?? table.name, description: entry?.description ?? "", source: source,
                    categories: (entry?.categories ?? []).map { CategoryFacts($0, in: declaration) }, columns: table.columns,
                    rows: table.rows.suffix(rowLimit).map { row in row.map(Self.text) }, total: total))
        }
        var readings: [ReadingSummary] = []
        for device in devices {
            let counts = try await store.readingCounts(device: device.seq)
            for (key, count) in counts.sorted(by: { $0.key < $1.key }) {
                let category = declaration.category(forTelemetryKey: key, profile: device.profileName).key
                readings.append(ReadingSummary(device: device.name, key: key, category: CategoryFacts(category, in: declaration), count: count))
            }
        }
        return AccessReport(sections: sections, readings: readings)
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "yes" : "no"
        case .number(let n): return n
        case .string(let s): return s
        case .array, .object: return value.serialized
        }
    }
}

/// The self-service rights services a console or CLI needs, built once over the same stores.
public struct PersonalDataRights: Sendable {
    public let store: any PersonalDataStore
    public let export: PersonalDataExport
    public let eraser: AccountEraser
    public let deactivation: AccountDeactivation
    public let requests: RequestService
    public let disclosures: DisclosureRegister

    public init(
        store: any PersonalDataStore, export: PersonalDataExport, eraser: AccountEraser, deactivation: AccountDeactivation,
        requests: RequestService, disclosures: DisclosureRegister
    ) {
        self.store = store
        self.export = export
        self.eraser = eraser
        self.deactivation = deactivation
        self.requests = requests
        self.disclosures = disclosures
    }

    /// The person's requests and the disclosures about them they may see (restricted ones stay hidden until the
    /// restriction's date), as tables for the access report and the export (promises TB-8, MB-19).
    public func requestTables(for user: User) async throws -> [PersonalTable] {
        let requests = try await requests.requests(of: user)
        let disclosures = try await disclosures.visible(to: user.id)
        func number(_ value: Int64?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
        return [
            PersonalTable(
                name: "requests",
                columns: ["id", "kind", "status", "source", "jurisdiction", "received_time", "due_time", "extended_due_time", "extension_reason", "closed_time", "outcome"],
                rows: requests.map {
                    [
                        .string($0.id), .string($0.kind.rawValue), .string($0.status.rawValue), .string($0.source.rawValue), .string($0.jurisdiction),
                        number($0.receivedTime), number($0.dueTime), number($0.extendedDueTime), $0.extensionReason.map(JSONValue.string) ?? .null,
                        number($0.closedTime), $0.outcome.map(JSONValue.string) ?? .null,
                    ]
                }),
            PersonalTable(
                name: "disclosures", columns: ["disclosed_time", "recipient", "categories", "what", "legal_ground"],
                rows: disclosures.map {
                    [number($0.disclosedTime), .string($0.recipient), .string($0.categories.joined(separator: " ")), .string($0.what), .string($0.legalGround)]
                }),
        ]
    }
}
