import StewardCore
import StewardStore

/// The texts of every mail about a request. Plain text, links on a line of their own, dates in UTC; each names the
/// request's reference so the person and staff speak of the same thing.
struct RequestMail: Sendable {
    let declaration: PrivacyDeclaration
    let publicURL: String
    let productName: String

    func date(_ millis: Int64) -> String { UTCTime.format(millis) }

    func greeting(_ request: RequestRecord) -> String { "Hello\(request.name.map { " \($0)" } ?? ""),\n\n" }

    /// Who to write to with questions: the DPO when there is one, else the controller.
    var contact: String { declaration.dpo?.email ?? declaration.controller.email }

    var authorityLines: String {
        let authority = declaration.supervisoryAuthority
        return "\(authority.name)\n\(authority.url)" + (authority.address.map { "\n\($0)" } ?? "")
    }

    func verify(_ request: RequestRecord, token: String, lifetimeHours: Int64) -> NewMail {
        NewMail(
            recipient: request.email, subject: "Confirm your privacy request to \(productName)",
            textBody: greeting(request) + """
                someone, hopefully you, asked \(productName) on \(date(request.receivedTime)) for: \(request.kind.title).
                We act on it only once you confirm that this address is yours. Open this link to confirm:

                \(publicURL)/privacy/request/verify?token=\(token)

                The link works once and expires in \(lifetimeHours) hours. The deadline for our answer starts when you
                confirm. If you did not ask, ignore this mail: nothing happens without the link.

                Reference: \(request.id)
                """)
    }

    func received(_ request: RequestRecord, jurisdiction: Jurisdiction, due: Int64) -> NewMail {
        var text = greeting(request) + """
            we received your request: \(request.kind.title).

            Reference: \(request.id)
            Received: \(date(request.verifiedTime ?? request.receivedTime))
            Rules that apply: \(jurisdiction.name)
            We will answer by: \(date(due))
            """
        if jurisdiction.extension > 0 {
            text += "\n\nIf we need longer (at most \(jurisdiction.deadlineUnit.words(jurisdiction.extension)) more), we will tell you why before that date."
        }
        text += "\n\nQuestions: \(contact)"
        return NewMail(recipient: request.email, subject: "We received your privacy request (\(request.kind.rawValue))", textBody: text)
    }

    func confirmationAnswer(_ request: RequestRecord, answer: String) -> NewMail {
        NewMail(
            recipient: request.email, subject: "Do we hold data about you? Our answer",
            textBody: greeting(request) + """
                you asked whether \(productName) holds personal data about \(request.email).

                \(answer)

                You can ask for a copy, a correction or the deletion of your data at \(publicURL)/privacy/request
                (or under My Account if you have one). Questions: \(contact)

                Reference: \(request.id)
                """)
    }

    func extended(_ request: RequestRecord, until: Int64, reason: String) -> NewMail {
        NewMail(
            recipient: request.email, subject: "We need more time for your privacy request",
            textBody: greeting(request) + """
                we need more time to answer your request (\(request.kind.title)), received on \(date(request.verifiedTime ?? request.receivedTime)).

                Why: \(reason)

                The first due date was \(date(request.dueTime ?? until)). We will now answer by \(date(until)).

                If you disagree, write to \(contact) or complain to the supervisory authority:
                \(authorityLines)

                Reference: \(request.id)
                """)
    }

    func closed(_ request: RequestRecord, refused: Bool, outcome: String) -> NewMail {
        let body: String
        if refused {
            body = """
                we cannot act on your request (\(request.kind.title)).

                Why: \(outcome)

                You may complain to the supervisory authority and seek a judicial remedy:
                \(authorityLines)
                """
        } else {
            body = """
                your request (\(request.kind.title)) is done.

                \(outcome)

                If you are not satisfied, write to \(contact) or complain to the supervisory authority:
                \(authorityLines)
                """
        }
        return NewMail(
            recipient: request.email,
            subject: refused ? "Your privacy request was refused" : "Your privacy request is done",
            textBody: greeting(request) + body + "\n\nReference: \(request.id)")
    }
}
