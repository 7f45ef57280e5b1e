import Foundation
import StewardCore
import Testing

@testable import StewardAuth

/// The sign-up form's rules all at once (walk P2.11): each problem names its field, and `signUp` refuses with the
/// first of them.
@Suite struct SignUpProblemsTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture() }

    @Test func everyWrongFieldIsNamedAtOnce() async throws {
        let request = fixture.request(
            name: " ", email: "not-an-address", password: "password", jurisdiction: "", birthYear: nil, agreed: nil)
        let problems = fixture.signUp.problems(request)
        #expect(problems.map(\.field) == ["name", "email", "password", "jurisdiction", "birth_year", "agree_policy"])
        #expect(problems.allSatisfy { $0.error.kind == .badRequest && !$0.message.isEmpty })
        let error = await stewardError { try await fixture.signUp.signUp(request) }
        #expect(error?.message == problems.first?.message)
        #expect(try await fixture.count("user") == 0)
    }

    @Test func aChildNeedsAParentAddressThatIsNotTheirOwn() {
        let missing = fixture.signUp.problems(fixture.request(jurisdiction: "DE", birthYear: 2020, parentEmail: ""))
        #expect(missing.map(\.field) == ["parent_email"])
        #expect(missing.first?.message.contains("parent's consent") == true)
        let same = fixture.signUp.problems(
            fixture.request(email: "kid@example.com", jurisdiction: "DE", birthYear: 2020, parentEmail: "kid@example.com"))
        #expect(same.map(\.field) == ["parent_email"])
    }

    @Test func aGoodFormHasNoProblems() {
        #expect(fixture.signUp.problems(fixture.request()).isEmpty)
    }
}
