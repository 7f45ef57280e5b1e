// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "steward",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "steward", targets: ["steward"]),
        .executable(name: "steward-load", targets: ["steward-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "StewardCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MQTTCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(name: "QRCode", swiftSettings: swiftSettings),
        .target(
            name: "ConnectionGuard",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardJobs",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardStore",
            dependencies: ["StewardCore", "StewardVault", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardVault",
            dependencies: ["StewardCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardSQLite",
            dependencies: [
                "StewardCore", "StewardStore", "StewardMail", "StewardVault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardPostgres",
            dependencies: [
                "StewardCore", "StewardStore", "StewardMail", "StewardVault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardPrivacy",
            dependencies: [
                "StewardCore", "StewardStore", "StewardAuth", .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardAuth",
            dependencies: [
                "StewardCore", "StewardStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardDevices",
            dependencies: [
                "StewardCore", "StewardStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MQTTServer",
            dependencies: [
                "MQTTCore", "StewardCore", "StewardDevices", "ConnectionGuard",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardWeb",
            dependencies: [
                "StewardCore", "StewardStore", "StewardDevices", "StewardAuth", "QRCode", "StewardPrivacy", "ConnectionGuard",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Console/Templates"), .copy("Console/Static"), .copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardServer",
            dependencies: [
                "StewardCore", "StewardStore", "StewardSQLite", "StewardPostgres", "StewardDevices", "StewardAuth",
                "MQTTServer", "StewardWeb", "StewardMail", "StewardPrivacy", "StewardJobs",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "steward",
            dependencies: [
                "StewardServer", "StewardPrivacy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "steward-load",
            dependencies: [
                "MQTTCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Coverage-guided fuzzing (scripts/fuzz.sh builds these with libFuzzer; plain builds replay inputs).
        .target(
            name: "StewardFuzzKit",
            dependencies: ["MQTTCore", "StewardCore", "StewardDevices", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "StewardFuzzMQTT", dependencies: ["StewardFuzzKit"], swiftSettings: swiftSettings),
        .executableTarget(name: "StewardFuzzJSON", dependencies: ["StewardFuzzKit"], swiftSettings: swiftSettings),
        .executableTarget(name: "StewardFuzzThingsBoard", dependencies: ["StewardFuzzKit"], swiftSettings: swiftSettings),
        // Test doubles and the store contract suite that every backend passes; only test targets depend on it.
        .target(
            name: "StewardTesting",
            dependencies: ["StewardCore", "StewardStore", "StewardVault", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MQTTCoreTests", dependencies: ["MQTTCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MQTTServerTests",
            dependencies: [
                "MQTTServer", "ConnectionGuard", "MQTTCore", "StewardCore", "StewardDevices",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardDevicesTests", dependencies: [
                "StewardDevices", "StewardCore", "StewardStore", "StewardSQLite", "StewardTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardSQLiteTests",
            dependencies: [
                "StewardSQLite", "StewardStore", "StewardCore", "StewardTesting", "StewardMail",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        // The store contract against every backend: SQLite in a temporary directory, PostgreSQL in a fresh database
        // of the cluster STEWARD_TEST_DATABASE_URL names (scripts/pg-cluster.sh).
        .testTarget(
            name: "StoreContractTests",
            dependencies: [
                "StewardSQLite", "StewardPostgres", "StewardStore", "StewardCore", "StewardTesting", "StewardVault",
                "StewardMail",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardAuthTests",
            dependencies: ["StewardAuth", "StewardSQLite", "StewardStore", "StewardTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardPrivacyTests",
            dependencies: [
                "StewardPrivacy", "StewardCore", "StewardAuth", "StewardSQLite", "StewardStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardVaultTests", dependencies: ["StewardVault", "StewardCore", "StewardTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConnectionGuardTests",
            dependencies: [
                "ConnectionGuard",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardJobsTests",
            dependencies: [
                "StewardJobs", "StewardTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardWebTests",
            dependencies: [
                "StewardWeb", "StewardAuth", "StewardCore", "StewardSQLite", "StewardStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardMailTests",
            dependencies: [
                "StewardMail",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
    ]
)
