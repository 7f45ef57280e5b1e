import Foundation
import StewardStore

/// The texts of every account mail. Plain text first: links are whole on their own line so any client shows them.
public struct AccountMail: Sendable {
    public let configuration: IdentityConfiguration

    public init(configuration: IdentityConfiguration) {
        self.configuration = configuration
    }

    var product: String { configuration.productName }

    func link(_ path: String, token: String) -> String {
        "\(configuration.publicURL)\(path)?token=\(token)"
    }

    public func confirmEmail(to email: String, name: String, token: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Confirm your email for \(product)",
            textBody: """
                Hello \(name),

                please confirm that this is your email address by opening this link:

                \(link("/confirm-email", token: token))

                The link works once and expires in \(configuration.confirmationLinkLifetime / 3_600_000) hours.
                If you did not sign up for \(product), ignore this mail; no account opens without it.
                """)
    }

    public func parentConsent(to parent: String, childName: String, childEmail: String, token: String) -> NewMail {
        NewMail(
            recipient: parent, subject: "\(childName) asks for your consent to use \(product)",
            textBody: """
                Hello,

                \(childName) (\(childEmail)) signed up for \(product) and gave your address as a parent's.
                They are below the age at which they may agree to the processing of their data on their own, so the
                account stays closed until a parent or guardian consents.

                To read what \(product) collects and why, and to give consent, open:

                \(link("/parent-consent", token: token))

                If you do not consent, do nothing: the account never opens and is deleted when the link expires.
                """)
    }

    public func signUpForExistingAccount(to email: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Someone tried to sign up to \(product) with your address",
            textBody: """
                Hello,

                somebody tried to create a \(product) account with this email address, which already has one.
                If it was you, sign in at \(configuration.publicURL)/sign-in or reset your password at
                \(configuration.publicURL)/forgot-password. If it was not you, no action is needed.
                """)
    }

    public func resetPassword(to email: String, token: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Reset your \(product) password",
            textBody: """
                Hello,

                you (or someone) asked to reset the password of your \(product) account. To choose a new one, open:

                \(link("/reset-password", token: token))

                The link works once and expires in \(configuration.resetLinkLifetime / 60_000) minutes. Your current
                password keeps working until you choose a new one.
                """)
    }

    /// An administrator's invitation: who invited the person, to what, for how long, and what the product is, so
    /// a person who never heard of it can tell the mail from phishing.
    public func invitation(to email: String, inviter: String, workspace: String, customer: String, token: String) -> NewMail {
        let days = configuration.invitationLinkLifetime / 86_400_000
        return NewMail(
            recipient: email, subject: "\(inviter) invited you to see the devices of \(customer) on \(product)",
            textBody: """
                Hello,

                \(inviter) invited you to \(product), where the workspace "\(workspace)" keeps the readings of its
                devices. You will see the devices of \(customer): their latest values, charts and commands.
                \(product) is a self-hosted platform for connected devices (sensors, switches, meters).

                To accept, choose your password and read the privacy policy here:

                \(link("/welcome", token: token))

                The link works once and expires in \(days) days. If you do not know \(inviter) or do not want an
                account, ignore this mail: nobody can sign in to it without this link.
                """)
    }

    public func signInCode(to email: String, code: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Your \(product) sign-in code: \(code)",
            textBody: """
                Your sign-in code is \(code). It expires in \(configuration.signInCodeLifetime / 60_000) minutes and
                works once. If you are not signing in right now, change your password: someone knows it.
                """)
    }

    public func newSignIn(to email: String, ip: String, client: String, time: String) -> NewMail {
        NewMail(
            recipient: email, subject: "New sign-in to your \(product) account",
            textBody: """
                Your \(product) account was signed in from a place or program not seen before:

                  Time:    \(time)
                  Address: \(ip)
                  Client:  \(client)

                If this was you, nothing to do. If not, open \(configuration.publicURL)/account/security and use
                "I lost my credentials" to sign out everywhere and revoke every key, then change your password.
                """)
    }

    public func accountLocked(to email: String, minutes: Int64, ip: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Your \(product) account was locked after failed sign-ins",
            textBody: """
                There were repeated failed attempts to sign in to your \(product) account (the last from \(ip)).
                Sign-in is locked for \(minutes) minutes. If this was not you, reset your password at
                \(configuration.publicURL)/forgot-password afterwards.
                """)
    }

    public func credentialsRevoked(to email: String, sessions: Int, keys: Int) -> NewMail {
        NewMail(
            recipient: email, subject: "Every session and key of your \(product) account was revoked",
            textBody: """
                As you asked, \(product) signed out \(sessions) session(s) and revoked \(keys) application key(s)
                of your account. Programs that used those keys must get new ones.

                If you did not ask for this, someone signed in to your account: reset your password at
                \(configuration.publicURL)/forgot-password.
                """)
    }

    public func securityChange(to email: String, what: String) -> NewMail {
        NewMail(
            recipient: email, subject: "Security change on your \(product) account",
            textBody: """
                \(what)

                If you did not do this, reset your password at \(configuration.publicURL)/forgot-password and use
                "I lost my credentials" under \(configuration.publicURL)/account/security.
                """)
    }
}
