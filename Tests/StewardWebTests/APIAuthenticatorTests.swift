import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StewardAuth
import StewardCore
import StewardStore
import Testing

@testable import StewardWeb

/// `APIAuthenticator` puts the caller into the request context, and a missing or bad credential is answered as it
/// always was (same status, same ThingsBoard error JSON, same message) when the handler asks for the caller.
@Suite struct APIAuthenticatorTests {
    let fixture: APIFixture
    init() async throws { fixture = try await APIFixture() }

    @Test func aBearerTokenPutsItsPrincipalIntoTheContext() async throws {
        let token = try await fixture.token()
        let userID = fixture.user.id.description
        try await fixture.application().test(.router) { client in
            for header in ["X-Authorization", "Authorization"] {
                let response = try await client.execute(uri: "/api/probe", method: .get, headers: headers(header, "Bearer \(token)"))
                #expect(response.status == .ok)
                let body = try jsonObject(response)
                #expect(body["userId"] as? String == userID)
                #expect((body["credential"] as? String)?.hasPrefix("session:") == true)
            }
        }
    }

    @Test func anAPIKeyPutsItsPrincipalIntoTheContext() async throws {
        let (id, key) = try await fixture.key(.full)
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/probe", method: .post, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(response.status == .ok)
            #expect(try jsonObject(response)["credential"] as? String == "api-key:\(id)")
        }
    }

    @Test(arguments: [
        (nil, APIFixture.missingCredential),
        ("Basic YWxpY2U6c2VjcmV0", APIFixture.missingCredential),
        ("Bearer not-a-jwt", "Authentication failed"),
        ("ApiKey stw_nothing_here", "Authentication failed: unknown application key"),
    ] as [(String?, String)])
    func aMissingOrGarbledCredentialIsA401(header: String?, message: String) async throws {
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/probe", method: .get, headers: header.map { headers("X-Authorization", $0) } ?? [:])
            #expect(response.status == .unauthorized)
            let body = try jsonObject(response)
            #expect(body["status"] as? Int == 401)
            #expect(body["message"] as? String == message)
            #expect(body["errorCode"] as? Int == 10)
            #expect(body["timestamp"] is Int)
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test func anExpiredTokenSaysSo() async throws {
        let token = try await fixture.token(lifetime: -10)
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/probe", method: .get, headers: headers("X-Authorization", "Bearer \(token)"))
            #expect(response.status == .unauthorized)
            #expect(try jsonObject(response)["message"] as? String == "Token has expired")
        }
    }

    @Test func aReadOnlyKeyReadsButIsRefusedOnAWrite() async throws {
        let (id, key) = try await fixture.key(.readOnly)
        try await fixture.application().test(.router) { client in
            let read = try await client.execute(uri: "/api/probe", method: .get, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(read.status == .ok)
            #expect(try jsonObject(read)["credential"] as? String == "api-key:\(id)")

            let write = try await client.execute(uri: "/api/probe", method: .post, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(write.status == .forbidden)
            let body = try jsonObject(write)
            #expect(body["message"] as? String == "This application key is read-only; use a key with the full role to make changes")
            #expect(body["errorCode"] as? Int == 20)
        }
        // Refused before it was an identity: the usage log has nothing, as before.
        #expect(try await fixture.writes().isEmpty)
    }

    @Test func theOpenGroupNeverLooksAtACredential() async throws {
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/open", method: .get, headers: headers("X-Authorization", "Bearer garbage"))
            #expect(response.status == .ok)
        }
    }
}

/// `APICallAudit` reads the caller from the context `APIAuthenticator` passed on, and records authenticated writes
/// with the status the caller got; `APIErrorMiddleware` turns a handler's error into ThingsBoard's JSON.
@Suite struct APICallAuditTests {
    let fixture: APIFixture
    init() async throws { fixture = try await APIFixture() }

    @Test func anAuthenticatedWriteIsRecordedWithItsStatus() async throws {
        let (id, key) = try await fixture.key(.full)
        try await fixture.application().test(.router) { client in
            let ok = try await client.execute(uri: "/api/probe", method: .post, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(ok.status == .ok)
            let missing = try await client.execute(
                uri: "/api/probe/missing", method: .post, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(missing.status == .notFound)
            let body = try jsonObject(missing)
            #expect(body["message"] as? String == "Nothing is here")
            #expect(body["errorCode"] as? Int == 32)
        }
        let writes = try await fixture.writes()
        #expect(writes.map(\.detail) == ["POST /api/probe -> 200", "POST /api/probe/missing -> 404"])
        #expect(writes.map(\.credential) == ["api-key:\(id)", "api-key:\(id)"])
    }

    @Test func aTokenWriteIsRecordedWithItsSession() async throws {
        let token = try await fixture.token()
        try await fixture.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/probe", method: .post, headers: headers("Authorization", "Bearer \(token)"))
        }
        let writes = try await fixture.writes()
        #expect(writes.count == 1)
        #expect(writes.first?.credential?.hasPrefix("session:") == true)
    }

    @Test func readsAndUnauthenticatedWritesAreNotRecorded() async throws {
        let (_, key) = try await fixture.key(.full)
        try await fixture.application().test(.router) { client in
            let read = try await client.execute(uri: "/api/probe", method: .get, headers: headers("X-Authorization", "ApiKey \(key)"))
            #expect(read.status == .ok)
            let anonymous = try await client.execute(uri: "/api/probe", method: .post)
            #expect(anonymous.status == .unauthorized)
            let garbled = try await client.execute(uri: "/api/probe", method: .post, headers: headers("X-Authorization", "Bearer nope"))
            #expect(garbled.status == .unauthorized)
        }
        #expect(try await fixture.writes().isEmpty)
    }
}
