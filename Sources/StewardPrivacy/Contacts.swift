/// Who is responsible for the processing (Art. 13(1)(a)): the operator running this Steward.
public struct Controller: Sendable, Equatable {
    public var name: String
    public var address: String
    public var email: String
    public var phone: String?

    public init(name: String, address: String, email: String, phone: String? = nil) {
        self.name = name
        self.address = address
        self.email = email
        self.phone = phone
    }
}

/// The data protection officer or privacy contact point (Art. 13(1)(b)).
public struct ProtectionOfficer: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// The authority a person may complain to (Art. 13(2)(d)).
public struct SupervisoryAuthority: Sendable, Equatable {
    public var name: String
    public var url: String
    public var address: String?

    public init(name: String, url: String, address: String? = nil) {
        self.name = name
        self.url = url
        self.address = address
    }
}
