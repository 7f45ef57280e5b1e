import StewardCore
import StewardStore

/// A person's copy of their data (promises TM-17, MB-18, MS-18, TB-5): a ZIP with one CSV per kind of record, the
/// same data as one JSON document, a README describing every file and column with its purposes, recipients and
/// retention, and the profile picture. Readings are read and written page by page, so memory stays flat however
/// many a person has.
public struct PersonalDataExport: Sendable {
    let store: any PersonalDataStore
    let identity: any IdentityStore
    let declaration: PrivacyDeclaration
    let now: @Sendable () -> Int64
    /// Readings per database read.
    let pageSize: Int

    public init(
        store: any PersonalDataStore, identity: any IdentityStore, declaration: PrivacyDeclaration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis, pageSize: Int = 20_000
    ) {
        self.store = store
        self.identity = identity
        self.declaration = declaration
        self.now = now
        self.pageSize = pageSize
    }

    /// Progress of the readings, written twice (CSV, then JSON): done and total rows.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int) -> Void

    /// Records in the audit trail that the person downloaded their copy (`credential`: the session or key used).
    public func recordDownload(by user: User, credential: String, ip: String) async throws {
        try await identity.apply([
            .audit(
                AuditEvent(
                    time: now(), tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                    event: "personal-data.exported", ip: ip))
        ])
    }

    /// Streams the archive to `emit` in chunks of about 256 KiB.
    public func write(
        for user: UserID, extraTables: [PersonalTable] = [], progress: Progress? = nil,
        to emit: @escaping ([UInt8]) async throws -> Void
    ) async throws {
        let devices = try await store.devices(concerning: user)
        var attributes: [[JSONValue]] = []
        var totals: [[JSONValue]] = []
        for device in devices {
            attributes += try await store.attributeRows(device: device.seq).map { [.string(device.id.description)] + $0 }
            totals += try await store.rollupRows(device: device.seq).map { [.string(device.id.description)] + $0 }
        }
        let attributeTable = PersonalTable(name: "attributes", columns: ["device_id", "scope", "key", "last_update_ts", "value"], rows: attributes)
        let totalsTable = PersonalTable(
            name: "telemetry_totals", columns: ["device_id", "key", "period", "start", "count", "numeric_count", "sum", "min", "max"],
            rows: totals)
        // Small tables are held whole; the stored kinds of record (audit and usage can run to millions) are paged.
        let held = extraTables + [PersonalTable.devices(devices), attributeTable, totalsTable]
        let kinds = PersonalRecordKind.allCases
        let total = try await store.readingCount(devices: devices.map(\.seq)) * 2
        var done = 0
        let time = now()

        var archive = ZipStreamWriter(time: time, emit: emit)
        var described: [PersonalTable] = held
        for kind in kinds {
            described.append(try await store.personalRecords(kind, of: user, after: nil, limit: 1).table)
        }
        try await archive.begin("README.txt")
        try await archive.write(readme(described, time: time))
        try await archive.end()
        let sources = kinds.map(RecordSource.stored) + held.map(RecordSource.held)
        for source in sources {
            try await archive.begin("\(source.name).csv")
            var header = true
            try await eachPage(source, of: user) { table in
                var out: [UInt8] = []
                if header { CSV.row(table.columns.map { Array($0.utf8) }, into: &out) }
                header = false
                for row in table.rows { CSV.row(row.map(CSV.field), into: &out) }
                try await archive.write(out)
            }
            try await archive.end()
        }
        try await archive.begin("telemetry.csv")
        try await archive.write("device_id,key,ts,value,category\r\n")
        try await eachPage(devices) { device, page, categories in
            var out: [UInt8] = []
            out.reserveCapacity(page.count * 48)
            let id = Array(device.id.description.utf8)
            var keyBytes: (String, [UInt8], [UInt8]) = ("", [], [])
            for reading in page {
                if reading.key != keyBytes.0 {
                    var escaped: [UInt8] = []
                    CSV.append(Array(reading.key.utf8), into: &escaped)
                    keyBytes = (reading.key, escaped, categories[reading.key] ?? [])
                }
                out += id
                out.append(UInt8(ascii: ","))
                out += keyBytes.1
                out.append(UInt8(ascii: ","))
                CSV.appendDigits(reading.ts, into: &out)
                out.append(UInt8(ascii: ","))
                switch reading.value {
                case .long(let l): CSV.appendDigits(l, into: &out)
                case .bool(let b): out += b ? [116, 114, 117, 101] : [102, 97, 108, 115, 101]
                default: CSV.append(Array(reading.value.stringValue.utf8), into: &out)
                }
                out.append(UInt8(ascii: ","))
                out += keyBytes.2
                out += [13, 10]
            }
            try await archive.write(out)
            done += page.count
            progress?(done, total)
        }
        try await archive.end()

        try await archive.begin("data.json")
        var head = "{\"generated\":\(time),\"policyVersion\":\(JSONValue.quoted(declaration.version))"
        for source in sources {
            try await archive.write(head + ",\(JSONValue.quoted(source.name)):[")
            head = "]"
            var firstRow = true
            try await eachPage(source, of: user) { table in
                var out = ""
                for row in table.rows {
                    if !firstRow { out += "," }
                    firstRow = false
                    out += JSONValue.object(zip(table.columns, row).map { JSONMember($0.0, $0.1) }).serialized
                }
                try await archive.write(out)
            }
        }
        head += ",\"telemetry\":["
        try await archive.write(head)
        var first = true
        try await eachPage(devices) { device, page, categories in
            var out: [UInt8] = []
            out.reserveCapacity(page.count * 80)
            let id = Array(device.id.description.utf8)
            var keyBytes: (String, [UInt8]) = ("", [])
            for reading in page {
                if reading.key != keyBytes.0 {
                    var quoted = ""
                    JSONValue.writeString(reading.key, to: &quoted)
                    keyBytes = (reading.key, Array(quoted.utf8))
                }
                out += first ? Self.openDevice : Self.nextDevice
                first = false
                out += id
                out += Self.keyField
                out += keyBytes.1
                out += Self.tsField
                CSV.appendDigits(reading.ts, into: &out)
                out += Self.valueField
                switch reading.value {
                case .long(let l): CSV.appendDigits(l, into: &out)
                default:
                    var text = ""
                    Self.writeJSON(reading.value, to: &text)
                    out += Array(text.utf8)
                }
                out.append(UInt8(ascii: "}"))
            }
            try await archive.write(out)
            done += page.count
            progress?(done, total)
        }
        try await archive.write("]}")
        try await archive.end()

        if let picture = try await identity.picture(of: user) {
            try await archive.begin(picture.contentType == "image/png" ? "picture.png" : "picture.jpg")
            try await archive.write(picture.bytes)
            try await archive.end()
        }
        try await archive.finish()
    }

    /// Where one file's records come from: a stored kind, read page by page, or a small table held whole.
    enum RecordSource {
        case stored(PersonalRecordKind)
        case held(PersonalTable)

        var name: String {
            switch self {
            case .stored(let kind): return kind.rawValue
            case .held(let table): return table.name
            }
        }
    }

    func eachPage(_ source: RecordSource, of user: UserID, _ body: (PersonalTable) async throws -> Void) async throws {
        switch source {
        case .stored(let kind): try await eachRecordPage(kind, of: user, body)
        case .held(let table): try await body(table)
        }
    }

    /// Calls `body` with each page of one kind of record.
    func eachRecordPage(_ kind: PersonalRecordKind, of user: UserID, _ body: (PersonalTable) async throws -> Void) async throws {
        var cursor: Int64? = nil
        repeat {
            let page = try await store.personalRecords(kind, of: user, after: cursor, limit: pageSize)
            if !page.table.rows.isEmpty { try await body(page.table) }
            cursor = page.next
        } while cursor != nil
    }

    /// Calls `body` with each page of each device's readings and the CSV bytes of each key's category.
    func eachPage(
        _ devices: [PersonDevice], _ body: (PersonDevice, [StoredReading], [String: [UInt8]]) async throws -> Void
    ) async throws {
        let store = self.store
        let pageSize = self.pageSize
        for device in devices {
            var categories: [String: [UInt8]] = [:]
            // The next page is read while this one is written: on a database server the query and the writing
            // then overlap instead of waiting for each other. At most two pages are in memory.
            var reading: Task<ReadingPage, any Error>? = Task { try await store.readings(device: device.seq, after: nil, limit: pageSize) }
            defer { reading?.cancel() }
            while let current = reading {
                let page = try await current.value
                reading = page.next.map { cursor in
                    Task { try await store.readings(device: device.seq, after: cursor, limit: pageSize) }
                }
                for reading in page.readings where categories[reading.key] == nil {
                    categories[reading.key] = Array(
                        declaration.category(forTelemetryKey: reading.key, profile: device.profileName).key.utf8)
                }
                if !page.readings.isEmpty { try await body(device, page.readings, categories) }
            }
        }
    }

    static let openDevice = Array("{\"device\":\"".utf8)
    static let nextDevice = Array(",{\"device\":\"".utf8)
    static let keyField = Array("\",\"key\":".utf8)
    static let tsField = Array(",\"ts\":".utf8)
    static let valueField = Array(",\"value\":".utf8)

    static func writeJSON(_ value: KVValue, to out: inout String) {
        switch value {
        case .bool(let b): out += b ? "true" : "false"
        case .long(let l): out += String(l)
        case .double(let d): out += d.isFinite ? KVValue.format(d) : "null"
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .json(let j): out += j
        }
    }

    /// The README: every file and column, and for each category what it is for, on what basis, who receives it and
    /// how long it stays.
    func readme(_ tables: [PersonalTable], time: Int64) -> String {
        var lines = [
            "Your data held by \(declaration.controller.name)", "Exported \(UTCTime.format(time, seconds: true)) under privacy policy version \(declaration.version).",
            "",
            "Every kind of record is here twice: as a CSV file (UTF-8, comma-separated, RFC 4180 quoting, header row) and inside data.json.",
            // A spreadsheet shows 1796180033551 for a time: say once how to read it, with this export's own time.
            "Times are Unix milliseconds (UTC): \(time) is \(UTCTime.format(time, seconds: true)). In a spreadsheet, =A2/86400000+DATE(1970,1,1)",
            "turns the time in cell A2 into a date (format the cell as date and time). Flags are 1 for yes and 0 for no.",
            "Questions: \(declaration.controller.email).", "",
        ]
        var categories: [String] = []
        for name in tables.map(\.name) + ["telemetry"] {
            guard let entry = PersonalDataCatalog.entry(name) else { continue }
            lines += ["== \(name).csv: \(entry.title)", entry.description, "Source: \(entry.source)", "Columns:"]
            let columns = tables.first { $0.name == name }?.columns ?? ["device_id", "key", "ts", "value", "category"]
            lines += columns.map { "  \($0): \(entry.columns[$0] ?? "")" }
            lines += ["Data categories: \(entry.categories.joined(separator: ", "))", ""]
            categories += entry.categories.filter { !categories.contains($0) }
        }
        lines += ["== data.json: all of the above in one JSON document; telemetry as {device, key, ts, value}.", ""]
        lines += ["== Why each category is held, who receives it, how long it stays", ""]
        for key in categories {
            let facts = CategoryFacts(key, in: declaration)
            lines += [
                "\(facts.category.name) (\(key))\(facts.category.sensitive ? ", sensitive" : "")",
                "  Purposes and legal bases: \(facts.purposeText)", "  Recipients: \(facts.recipientText)",
                "  Kept: \(facts.retentionText)", "",
            ]
        }
        return lines.joined(separator: "\r\n")
    }
}

extension PersonalTable {
    /// The devices that concern a person, as the report and the export list them.
    static func devices(_ devices: [PersonDevice]) -> PersonalTable {
        PersonalTable(
            name: "devices", columns: ["device_id", "name", "type", "profile", "assigned_to_you"],
            rows: devices.map {
                [.string($0.id.description), .string($0.name), .string($0.type), $0.profileName.map(JSONValue.string) ?? .null, .bool($0.assigned)]
            })
    }
}

/// RFC 4180 fields.
enum CSV {
    static func field(_ value: JSONValue) -> [UInt8] {
        switch value {
        case .null: return []
        case .bool(let b): return Array((b ? "1" : "0").utf8)
        case .number(let n): return Array(n.utf8)
        case .string(let s): return Array(s.utf8)
        case .array, .object: return Array(value.serialized.utf8)
        }
    }

    static func row(_ fields: [[UInt8]], into out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(field, into: &out)
        }
        out += [13, 10]
    }

    /// Appends an integer's decimal digits without going through a String.
    static func appendDigits(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(48)
            return
        }
        var magnitude = value.magnitude
        if value < 0 { out.append(45) }
        let start = out.count
        while magnitude > 0 {
            out.append(UInt8(48 + magnitude % 10))
            magnitude /= 10
        }
        out[start...].reverse()
    }

    /// Appends one field, quoted when it holds a comma, quote, CR or LF.
    static func append(_ field: [UInt8], into out: inout [UInt8]) {
        guard field.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else {
            out += field
            return
        }
        out.append(34)
        for byte in field {
            if byte == 34 { out.append(34) }
            out.append(byte)
        }
        out.append(34)
    }
}
