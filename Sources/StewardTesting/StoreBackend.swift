import StewardCore
import StewardStore

/// One backend's stores as the contract sees them: the protocol existentials, never the concrete type, plus the
/// group-commit writer through which readings reach the telemetry store.
public struct StoresUnderTest: Sendable {
    public var accounts: any AccountStore
    public var devices: any DeviceStore
    public var telemetry: any TelemetryStore
    public var attributes: any AttributeStore
    /// What is held about a person: the access report, the export and erasure read and delete through it.
    public var personalData: any PersonalDataStore
    /// Accounts beyond the basics: sessions, keys, tokens, sign-in history, consent, requests and the audit trail.
    public var identity: any IdentityStore
    /// Deleting what outlived its declared period.
    public var retention: any RetentionStore
    /// Request and error records kept apart from identity.
    public var diagnostics: any DiagnosticsStore
    /// The public statistics: daily groups across tenants and the frozen release.
    public var statistics: any StatisticsStore
    public var writer: TelemetryWriter

    public init(
        accounts: any AccountStore, devices: any DeviceStore, telemetry: any TelemetryStore, attributes: any AttributeStore,
        personalData: any PersonalDataStore, identity: any IdentityStore, retention: any RetentionStore,
        diagnostics: any DiagnosticsStore, statistics: any StatisticsStore, writer: TelemetryWriter
    ) {
        self.accounts = accounts
        self.devices = devices
        self.telemetry = telemetry
        self.attributes = attributes
        self.personalData = personalData
        self.identity = identity
        self.retention = retention
        self.diagnostics = diagnostics
        self.statistics = statistics
        self.writer = writer
    }

    /// The stores of one value that implements them all (as a backend's store class does), with a writer over it.
    public init<
        Store: AccountStore & DeviceStore & TelemetryStore & AttributeStore & PersonalDataStore & IdentityStore & RetentionStore
            & DiagnosticsStore & StatisticsStore
    >(
        _ store: Store
    ) {
        self.init(
            accounts: store, devices: store, telemetry: store, attributes: store, personalData: store, identity: store,
            retention: store, diagnostics: store, statistics: store, writer: TelemetryWriter(store: store))
    }
}

/// A backend the store contract runs against: a name for the test report and a factory that returns fresh, empty
/// stores together with what removes them again. The writer is shut down before `cleanup` runs.
public struct StoreBackend: Sendable, CustomStringConvertible {
    public typealias Cleanup = @Sendable () async throws -> Void

    public let name: String
    public let make: @Sendable () async throws -> (stores: StoresUnderTest, cleanup: Cleanup)

    public init(name: String, make: @escaping @Sendable () async throws -> (stores: StoresUnderTest, cleanup: Cleanup)) {
        self.name = name
        self.make = make
    }

    public var description: String { name }

    /// Runs `body` against fresh stores of this backend and cleans up afterwards, whether `body` threw or not.
    public func run(_ body: (StoresUnderTest) async throws -> Void) async throws {
        let (stores, cleanup) = try await make()
        do {
            try await body(stores)
        } catch {
            stores.writer.shutdown()
            try? await cleanup()
            throw error
        }
        stores.writer.shutdown()
        try await cleanup()
    }
}
