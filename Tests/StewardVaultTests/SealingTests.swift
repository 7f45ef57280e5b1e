import StewardCore
import StewardTesting
import StewardVault
import Testing

/// The sealing format every backend stores, and the keyed lookup hash.
@Suite struct SealingTests {
    let keys = InMemoryPersonKeys()
    let person = UserID()

    @Test(arguments: [
        Sealing.Value.integer(-42), .integer(.max), .real(51.4934), .real(-0.0), .text("51.4934N-0.0098E"), .text(""),
        .bytes([0, 1, 2, 255]),
    ])
    func everyKindOfValueRoundTrips(_ value: Sealing.Value) throws {
        let sealed = try #require(try Sealing.seal(value, subject: person.description, context: "reading", key: keys.key(for: person)))
        #expect(Sealing.isSealed(sealed))
        #expect(try Sealing.subject(of: sealed) == person)
        #expect(try Sealing.open(sealed, context: "reading", keys: keys) == value)
    }

    @Test func nothingToHideInNull() throws {
        #expect(try Sealing.seal(.null, subject: person.description, context: "reading", key: keys.key(for: person)) == nil)
    }

    @Test func aValueOpensOnlyInItsPlaceAndOnlyWhileItsKeyExists() throws {
        let sealed = try #require(
            try Sealing.seal(.text("ada@example.com"), subject: person.description, context: "user.email", key: keys.key(for: person)))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("example.com"))
        // Moved to another column: it does not open.
        #expect(try Sealing.open(sealed, context: "user.phone", keys: keys) == nil)
        // Another person's key does not open it either (a damaged or forged subject).
        let other = UserID()
        _ = try keys.key(for: other)
        var forged = sealed
        forged.replaceSubrange(4..<40, with: Array(other.description.utf8))
        #expect(try Sealing.open(forged, context: "user.email", keys: keys) == nil)
        // Erasure: the key is destroyed, the value is noise.
        try keys.destroy(person)
        #expect(try Sealing.open(sealed, context: "user.email", keys: keys) == nil)
    }

    @Test func theServiceSubjectsKeyCannotBeDestroyed() throws {
        let sealed = try #require(
            try Sealing.seal(.text("x"), subject: VaultSubject.service.description, context: "c", key: keys.key(for: VaultSubject.service)))
        try keys.destroy(VaultSubject.service)
        #expect(try Sealing.open(sealed, context: "c", keys: keys) == .text("x"))
    }

    @Test func plainBytesAreNotSealedAndDamagedOnesSaySo() {
        #expect(!Sealing.isSealed(Array("STW1".utf8)))
        #expect(!Sealing.isSealed(Array(repeating: UInt8(65), count: 80)))
        #expect(throws: StewardError.self) { try Sealing.subject(of: Array("STW1".utf8) + Array(repeating: 65, count: 60)) }
    }

    @Test func lookupHashesIgnoreCaseAndSpacesAndDependOnTheKey() {
        let hash = LookupHash(keys: keys)
        #expect(hash.hash("Ada@Example.com ") == hash.hash("ada@example.com"))
        #expect(hash.hash("ada@example.com") != hash.hash("bob@example.com"))
        #expect(hash.hash("ada@example.com") != LookupHash(keys: InMemoryPersonKeys()).hash("ada@example.com"))
        #expect(hash.hash("ada@example.com").count == 64)
    }

    @Test func anAccountsOwnDetailsDieWithItsKeyWhileServiceSealedOnesStay() throws {
        let sealer = ContactSealer(keys: keys)
        let own = try #require(try sealer.seal("ada@example.com", in: .accountEmail, person: person))
        let request = try #require(try sealer.seal("ada@example.com", in: .requestEmail, person: person))
        #expect(try Sealing.subject(of: own) == person)
        #expect(try Sealing.subject(of: request) == VaultSubject.service)
        #expect(try sealer.open(own, in: .accountEmail) == .text("ada@example.com"))
        // Opened as another field: refused loudly, never a silent nil.
        #expect(throws: StewardError.self) { try sealer.open(own, in: .accountPhone) }
        try keys.destroy(person)
        #expect(throws: StewardError.self) { try sealer.open(own, in: .accountEmail) }
        #expect(try sealer.open(request, in: .requestEmail) == .text("ada@example.com"))
        // Nothing to seal, or no key store: stored as it is.
        #expect(try sealer.seal("", in: .accountPhone, person: person) == nil)
        #expect(try sealer.seal(nil, in: .accountPhone, person: person) == nil)
        #expect(try ContactSealer(keys: nil).seal("x", in: .accountEmail, person: person) == nil)
        #expect(Set(ContactField.allCases.filter(\.isPersonal)) == [.accountEmail, .accountPhone, .parentEmail])
        // A sign-in attempt names its account: sealed with its key, so an old copy of it dies with the key too.
        let signIn = try #require(try sealer.seal("ada@example.com", in: .signInEmail, person: person))
        #expect(try Sealing.subject(of: signIn) == person)
        #expect(try Sealing.subject(of: #require(try sealer.seal("x@example.com", in: .signInEmail, person: nil))) == VaultSubject.service)
    }
}
