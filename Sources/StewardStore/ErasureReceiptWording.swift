import StewardCore

/// What an erasure receipt says besides its counts, worked out from the declaration before the erasure starts, so
/// the store writes the receipt inside the deleting transaction from data alone, never calling back into the
/// privacy module mid-commit. The receipt names no one: its id, the counts, and why what stays stays.
public struct ErasureReceiptWording: Sendable, Equatable {
    /// The controller named in the privacy declaration.
    public var controller: String
    public var policyVersion: String
    /// Why records of the person's requests are kept, and for how long (from the declaration's retention rules).
    public var requestsLegalHold: String
    public var requestsKeptFor: String
    /// Why audit entries about the account are kept, and for how long after each event.
    public var auditLegalHold: String
    public var auditKeptFor: String

    public init(
        controller: String, policyVersion: String, requestsLegalHold: String = "to prove requests were answered",
        requestsKeptFor: String = "as declared", auditLegalHold: String = "security records", auditKeptFor: String = "as declared"
    ) {
        self.controller = controller
        self.policyVersion = policyVersion
        self.requestsLegalHold = requestsLegalHold
        self.requestsKeptFor = requestsKeptFor
        self.auditLegalHold = auditLegalHold
        self.auditKeptFor = auditKeptFor
    }

    /// The receipt's JSON text for the counts of the erasure `id` done at `time`.
    public func body(id: String, time: Int64, counts: ErasureCounts) -> String {
        let erased = counts.deleted.sorted { $0.key < $1.key }.map { what, rows in
            JSONValue.object([JSONMember("what", .string(what)), JSONMember("rows", .number(String(rows)))])
        }
        var anonymized: [JSONValue] = []
        if counts.aggregated > 0 {
            let categories = counts.aggregatedCategories.sorted().joined(separator: ", ")
            anonymized.append(
                .object([
                    JSONMember(
                        "what",
                        .string(
                            "readings of \(categories) folded into daily counts, sums, minimums and maximums per organisation, "
                                + "without device or person, then deleted")),
                    JSONMember("rows", .number(String(counts.aggregated))),
                ]))
        }
        var kept: [JSONValue] = []
        if let requests = counts.kept["requests"], requests > 0 {
            kept.append(
                .object([
                    JSONMember("what", .string("records of your data requests, this one included, under the pseudonym erased:\(id) instead of your address")),
                    JSONMember("rows", .number(String(requests))),
                    JSONMember("legalHold", .string(requestsLegalHold)),
                    JSONMember("until", .string(requestsKeptFor)),
                ]))
        }
        if let audit = counts.kept["audit entries"], audit > 0 {
            kept.append(
                .object([
                    JSONMember("what", .string("audit trail entries about the account (security events; they name the account id only)")),
                    JSONMember("rows", .number(String(audit))),
                    JSONMember("legalHold", .string(auditLegalHold)),
                    JSONMember("until", .string(auditKeptFor)),
                ]))
        }
        kept.append(
            .object([
                JSONMember("what", .string("this receipt, which names no one")),
                JSONMember("legalHold", .string("to prove the request was honoured (GDPR Art. 5(2))")),
            ]))
        return JSONValue.object([
            JSONMember("receipt", .string(id)),
            JSONMember("time", .number(String(time))),
            JSONMember("timeUTC", .string(UTCTime.format(time, seconds: true))),
            JSONMember("controller", .string(controller)),
            JSONMember("policyVersion", .string(policyVersion)),
            JSONMember("erased", .array(erased)),
            JSONMember("anonymized", .array(anonymized)),
            JSONMember("kept", .array(kept)),
        ]).serialized
    }
}
