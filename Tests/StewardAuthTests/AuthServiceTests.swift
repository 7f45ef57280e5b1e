import Foundation
import StewardCore
@testable import StewardSQLite
import StewardStore
import StewardTesting
import Testing
import GRDB

@testable import StewardAuth

/// The StewardError an async call raised, or nil (recording an issue).
func stewardError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> StewardError? {
    do {
        try await body()
        Issue.record("expected a StewardError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StewardError {
        return error
    } catch {
        Issue.record("expected a StewardError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite struct AuthServiceTests {
    let accounts: SQLiteStore
    let hasher = PasswordHasher(cost: 4)
    let signer = JWTSigner(secret: Array("auth-service-test-secret".utf8))
    let tenant = TenantID()
    let user: User
    static let password = "correct horse battery"

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-auth-\(UUID().uuidString)").path
        accounts = try SQLiteStore(directory: directory, durability: .normal)
        try await accounts.createTenant(Tenant(id: tenant, name: "Acme", createdTime: 1))
        user = User(
            tenantID: tenant, customerID: nil, email: "alice@example.com", authority: .tenantAdmin, firstName: "Alice",
            createdTime: 1)
        try await accounts.createUser(user, passwordHash: await hasher.hash(Self.password))
    }

    var service: AuthService { Self.service(accounts, hasher, signer) }

    static func service(_ store: SQLiteStore, _ hasher: PasswordHasher, _ signer: JWTSigner) -> AuthService {
        let signIn = SignInService(
            store: store, hasher: hasher, configuration: IdentityConfiguration(publicURL: "http://localhost"), pause: { _ in })
        return AuthService(store: store, signIn: signIn, signer: signer)
    }

    @Test func loginIssuesAnAccessTokenWithThingsBoardClaims() async throws {
        let before = WallClock.nowMillis() / 1000
        let (token, _, signedIn) = try await service.login(email: "alice@example.com", password: Self.password)
        let after = WallClock.nowMillis() / 1000
        #expect(signedIn == user)

        let claims = try signer.verify(token)
        #expect(claims["sub"] == .string("alice@example.com"))
        #expect(claims["userId"] == .string(user.id.description))
        #expect(claims["scopes"] == .array([.string("TENANT_ADMIN")]))
        #expect(claims["iss"] == .string("steward"))
        #expect(claims["tenantId"] == .string(tenant.description))
        #expect(claims["customerId"] == .string("13814000-1dd2-11b2-8080-808080808080"))
        #expect(claims["firstName"] == .string("Alice"))
        #expect(claims["lastName"] == .null)
        #expect(claims["enabled"] == .bool(true))
        #expect(claims["isPublic"] == .bool(false))
        let sessionID = try #require(claims["sessionId"]?.stringValue)
        #expect(UUID(uuidString: sessionID) != nil)
        let iat = try #require(claims["iat"]?.int64Value)
        let exp = try #require(claims["exp"]?.int64Value)
        #expect(iat >= before && iat <= after)
        #expect(exp - iat == 9_000)
    }

    @Test func refreshTokenHasItsOwnScopeAndLifetime() async throws {
        let (token, refreshToken, _) = try await service.login(email: "alice@example.com", password: Self.password)
        let access = try signer.verify(token)
        let refresh = try signer.verify(refreshToken)
        #expect(refresh["scopes"] == .array([.string("REFRESH_TOKEN")]))
        #expect(refresh["userId"] == .string(user.id.description))
        #expect(refresh["sub"] == .string("alice@example.com"))
        #expect(refresh["sessionId"] == access["sessionId"])
        #expect(refresh["jti"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
        let iat = try #require(refresh["iat"]?.int64Value)
        #expect(refresh["exp"]?.int64Value == iat + 604_800)
    }

    @Test func principalFromAccessToken() async throws {
        let (token, _, _) = try await service.login(email: "alice@example.com", password: Self.password)
        let principal = try await service.principal(fromAccessToken: token)
        let session = try #require(try signer.verify(token)["sessionId"]?.stringValue)
        #expect(
            principal
                == Principal(
                    userID: user.id, email: user.email, authority: .tenantAdmin, tenantID: tenant, customerID: nil,
                    credential: "session:\(session)"))
    }

    @Test func refreshTokenIsNotAnAccessToken() async throws {
        let (token, refreshToken, _) = try await service.login(email: "alice@example.com", password: Self.password)
        #expect(await stewardError { _ = try await service.principal(fromAccessToken: refreshToken) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await service.refresh(token) }?.kind == .unauthorized)
    }

    @Test func refreshIssuesANewPairInTheSameSession() async throws {
        let (token, refreshToken, _) = try await service.login(email: "alice@example.com", password: Self.password)
        let pair = try await service.refresh(refreshToken)
        let renewed = try signer.verify(pair.token)
        #expect(renewed["sessionId"] == (try signer.verify(token))["sessionId"])
        #expect(try await service.principal(fromAccessToken: pair.token).userID == user.id)
        #expect((try signer.verify(pair.refreshToken))["scopes"] == .array([.string("REFRESH_TOKEN")]))
    }

    @Test func wrongPasswordIsUnauthorized() async {
        let error = await stewardError { _ = try await service.login(email: "alice@example.com", password: "wrong password") }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message == SignInService.invalidCredentials.message)
    }

    @Test func unknownEmailGetsTheSameAnswer() async {
        let error = await stewardError { _ = try await service.login(email: "nobody@example.com", password: Self.password) }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message == SignInService.invalidCredentials.message)
    }

    @Test func expiredAccessTokenIsUnauthorized() async throws {
        var service = self.service
        service.accessTokenLifetime = -10
        let (token, _, _) = try await service.login(email: "alice@example.com", password: Self.password)
        let error = await stewardError { _ = try await service.principal(fromAccessToken: token) }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message == "Token has expired")
    }

    @Test func tokenOfAnotherSignerIsUnauthorized() async throws {
        let other = Self.service(accounts, hasher, JWTSigner(secret: Array("other".utf8)))
        let (token, refreshToken, _) = try await other.login(email: "alice@example.com", password: Self.password)
        #expect(await stewardError { _ = try await service.principal(fromAccessToken: token) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await service.refresh(refreshToken) }?.kind == .unauthorized)
    }

    @Test func tokenOfADeletedUserIsUnauthorized() async throws {
        let (token, refreshToken, _) = try await service.login(email: "alice@example.com", password: Self.password)
        try await accounts.pool.write { db in try db.execute(sql: "DELETE FROM user WHERE id = ?", arguments: [user.id.description]) }
        #expect(await stewardError { _ = try await service.principal(fromAccessToken: token) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await service.refresh(refreshToken) }?.kind == .unauthorized)
    }

    @Test func garbageTokenIsUnauthorized() async {
        #expect(await stewardError { _ = try await service.principal(fromAccessToken: "garbage") }?.kind == .unauthorized)
    }

    @Test func systemAdminTokenCarriesNullTenant() async throws {
        let admin = User(tenantID: nil, customerID: nil, email: "root@example.com", authority: .systemAdmin, createdTime: 1)
        try await accounts.createUser(admin, passwordHash: await hasher.hash("sysadmin-password"))
        let (token, _, _) = try await service.login(email: "root@example.com", password: "sysadmin-password")
        let claims = try signer.verify(token)
        #expect(claims["scopes"] == .array([.string("SYS_ADMIN")]))
        #expect(claims["tenantId"] == .string("13814000-1dd2-11b2-8080-808080808080"))
        let principal = try await service.principal(fromAccessToken: token)
        #expect(principal.authority == .systemAdmin)
        #expect(principal.tenantID == nil)
    }
}

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: 4)

    @Test func hashAndVerify() async {
        let hash = await hasher.hash("s3cret-password")
        #expect(hash.hasPrefix("$2"))
        #expect(hash.contains("$04$"))
        #expect(await hasher.verify("s3cret-password", hash: hash))
        #expect(await hasher.verify("s3cret-passwore", hash: hash) == false)
        #expect(await hasher.verify("", hash: hash) == false)
    }

    @Test func hashesAreSalted() async {
        let first = await hasher.hash("same password")
        let second = await hasher.hash("same password")
        #expect(first != second)
        #expect(await hasher.verify("same password", hash: second))
    }

    @Test func verifyAgainstGarbageIsFalse() async {
        #expect(await hasher.verify("anything", hash: "not a bcrypt hash") == false)
    }

    @Test func costIsClamped() {
        #expect(PasswordHasher(cost: 1).cost == 4)
        #expect(PasswordHasher(cost: 99).cost == 31)
        #expect(PasswordHasher().cost == 12)
    }

    @Test(arguments: ["", "1234567", "short"])
    func validateRefusesShortPasswords(_ password: String) {
        #expect(throws: StewardError.badRequest("The password must be at least 8 characters long")) {
            try hasher.validate(password)
        }
    }

    @Test func validateAcceptsTheBounds() throws {
        try hasher.validate("12345678")
        try hasher.validate(String(repeating: "x", count: 72))
        try hasher.validate(String(repeating: "é", count: 36))  // 72 bytes
    }

    @Test func validateRefusesMoreThan72Bytes() {
        #expect(throws: StewardError.badRequest("The password must be at most 72 bytes long (a bcrypt limit)")) {
            try hasher.validate(String(repeating: "x", count: 73))
        }
        // 37 characters, 74 bytes.
        #expect(throws: StewardError.self) { try hasher.validate(String(repeating: "é", count: 37)) }
    }
}

@Suite struct AccountServiceTests {
    let accounts = InMemoryAccountStore()
    let devices = ProfileOnlyDeviceStore()
    var service: AccountService { AccountService(accounts: accounts, devices: devices, hasher: PasswordHasher(cost: 4)) }

    @Test func createTenantTrimsAndAddsADefaultProfile() async throws {
        let tenant = try await service.createTenant(name: "  Acme  ")
        #expect(tenant.name == "Acme")
        #expect(try await accounts.tenant(id: tenant.id) == tenant)
        let profiles = devices.allProfiles
        #expect(profiles.count == 1)
        #expect(profiles.first?.tenantID == tenant.id)
        #expect(profiles.first?.name == "default")
    }

    @Test func tenantNamesAreUnique() async throws {
        _ = try await service.createTenant(name: "Acme")
        #expect(await stewardError { _ = try await service.createTenant(name: " Acme ") }?.kind == .conflict)
        #expect(try await accounts.tenants().count == 1)
    }

    @Test(arguments: ["", "   "])
    func blankNamesAreRefused(_ name: String) async {
        #expect(await stewardError { _ = try await service.createTenant(name: name) }?.kind == .badRequest)
        #expect(await stewardError { _ = try await service.createCustomer(tenant: TenantID(), name: name) }?.kind == .badRequest)
    }

    @Test func namesLongerThan255AreRefused() async throws {
        _ = try await service.createTenant(name: String(repeating: "t", count: 255))
        #expect(
            await stewardError { _ = try await service.createTenant(name: String(repeating: "t", count: 256)) }?.kind
                == .badRequest)
    }

    @Test func customersAreUniquePerTenant() async throws {
        let a = try await service.createTenant(name: "A")
        let b = try await service.createTenant(name: "B")
        let customer = try await service.createCustomer(tenant: a.id, name: " Customer ")
        #expect(customer.name == "Customer")
        #expect(customer.tenantID == a.id)
        #expect(await stewardError { _ = try await service.createCustomer(tenant: a.id, name: "Customer") }?.kind == .conflict)
        _ = try await service.createCustomer(tenant: b.id, name: "Customer")
    }

    @Test func createUserNormalizesTheEmailAndHashesThePassword() async throws {
        let tenant = TenantID()
        let user = try await service.createUser(
            email: "  Alice@Example.COM ", password: "password-1", authority: .tenantAdmin, tenant: tenant, customer: nil)
        #expect(user.email == "alice@example.com")
        #expect(user.tenantID == tenant)
        #expect(user.authority == .tenantAdmin)
        let credentials = try #require(try await accounts.credentials(email: "alice@example.com"))
        #expect(credentials.user == user)
        #expect(credentials.passwordHash != "password-1")
        #expect(await PasswordHasher(cost: 4).verify("password-1", hash: credentials.passwordHash))
    }

    @Test(arguments: [
        "alice", "@example.com", "alice@", "alice@example", "alice@.com", "alice@example.", "a@b@c.com",
        "al ice@example.com", "",
    ])
    func invalidEmailsAreRefused(_ email: String) async throws {
        let error = await stewardError {
            _ = try await service.createUser(
                email: email, password: "password-1", authority: .systemAdmin, tenant: nil, customer: nil)
        }
        #expect(error?.kind == .badRequest)
        #expect(try await accounts.userCount() == 0)
    }

    @Test func emailLongerThan254IsRefused() async {
        let email = String(repeating: "a", count: 243) + "@example.com"  // 255 characters
        #expect(
            await stewardError {
                _ = try await service.createUser(email: email, password: "password-1", authority: .systemAdmin, tenant: nil, customer: nil)
            }?.kind == .badRequest)
    }

    @Test func shortPasswordIsRefused() async {
        #expect(
            await stewardError {
                _ = try await service.createUser(
                    email: "a@example.com", password: "short", authority: .systemAdmin, tenant: nil, customer: nil)
            }?.kind == .badRequest)
    }

    @Test func roleRules() async throws {
        let tenant = TenantID(), customer = CustomerID()
        func create(_ email: String, _ authority: Authority, _ tenant: TenantID?, _ customer: CustomerID?) async -> StewardError? {
            await stewardError {
                _ = try await service.createUser(email: email, password: "password-1", authority: authority, tenant: tenant, customer: customer)
            }
        }
        #expect(await create("s@example.com", .systemAdmin, tenant, nil)?.kind == .badRequest)
        #expect(await create("t@example.com", .tenantAdmin, nil, nil)?.kind == .badRequest)
        #expect(await create("c@example.com", .customerUser, tenant, nil)?.kind == .badRequest)
        #expect(await create("c@example.com", .customerUser, nil, customer)?.kind == .badRequest)
        #expect(try await accounts.userCount() == 0)

        let admin = try await service.createUser(
            email: "root@example.com", password: "password-1", authority: .systemAdmin, tenant: nil, customer: nil)
        #expect(admin.tenantID == nil && admin.customerID == nil)
        // A tenant administrator belongs to no customer even if one is passed.
        let tenantAdmin = try await service.createUser(
            email: "ta@example.com", password: "password-1", authority: .tenantAdmin, tenant: tenant, customer: customer)
        #expect(tenantAdmin.customerID == nil)
        let customerUser = try await service.createUser(
            email: "cu@example.com", password: "password-1", authority: .customerUser, tenant: tenant, customer: customer)
        #expect(customerUser.tenantID == tenant && customerUser.customerID == customer)
    }

    @Test func duplicateEmailIsAConflictIgnoringCase() async throws {
        _ = try await service.createUser(
            email: "bob@example.com", password: "password-1", authority: .systemAdmin, tenant: nil, customer: nil)
        let error = await stewardError {
            _ = try await service.createUser(
                email: "BOB@example.com", password: "password-2", authority: .systemAdmin, tenant: nil, customer: nil)
        }
        #expect(error?.kind == .conflict)
        #expect(try await accounts.userCount() == 1)
    }

    @Test func looksLikeEmail() {
        #expect(AccountService.looksLikeEmail("a@b.co"))
        #expect(AccountService.looksLikeEmail("first.last+tag@sub.example.org"))
        #expect(!AccountService.looksLikeEmail("a@b"))
        #expect(!AccountService.looksLikeEmail("a\t@b.com"))
    }
}
