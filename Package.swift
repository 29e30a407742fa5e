// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "HousingFinanceHub",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hub", targets: ["hub"]),
        // For the fuzz targets (Fuzz/, a package of its own): the readers and the loaders.
        .library(name: "BankFiles", targets: ["BankFiles"]),
        .library(name: "Hub", targets: ["Hub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // C libraries through system-library targets with small shim headers.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Thin safe layers over the C libraries.
        .target(name: "Postgres", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(name: "XML", dependencies: ["CLibXML2"], swiftSettings: swiftSettings),

        // The domain: pure values and rules, no I/O.
        // (SHA-256 comes from OpenSSL's libcrypto: hashing bytes in memory, no I/O.)
        .target(name: "HousingFinance", dependencies: ["CCrypto"], swiftSettings: swiftSettings),

        // File formats in and out; they know nothing of the database.
        .target(name: "BankFiles", dependencies: ["HousingFinance", "XML"], swiftSettings: swiftSettings),
        .target(
            name: "InterfaceFiles", dependencies: ["HousingFinance", "XML"],
            resources: [.copy("Schemas")], swiftSettings: swiftSettings),

        // The application: schema, store, run framework, jobs.
        .target(
            name: "Hub",
            dependencies: [
                "Postgres", "XML", "HousingFinance", "BankFiles", "InterfaceFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings),
        .target(
            name: "Scheduler",
            dependencies: [
                "Hub", "HousingFinance", "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        // The web console and the HTTP side of `hub serve`: /health, /metrics and the pages.
        .target(
            name: "Console",
            dependencies: [
                "Hub", "Scheduler", "Postgres", "HousingFinance", "BankFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: swiftSettings),

        // What the demo and the tests need and production never runs: the demo council and its
        // files (`hub demo`, `hub tools generate-council`), the test PostgreSQL server and fixture writers.
        .target(
            name: "HubDemo",
            dependencies: [
                "Hub", "Scheduler", "Console", "Postgres", "HousingFinance", "BankFiles", "InterfaceFiles",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "HubTesting", dependencies: ["Postgres", "HousingFinance", "XML"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "hub",
            dependencies: [
                "Hub", "HubDemo", "Scheduler", "Console", "Postgres", "HousingFinance", "BankFiles", "InterfaceFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // One test target per module. Tests that touch data run against a real PostgreSQL.
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "HubTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "XMLTests", dependencies: ["XML"], swiftSettings: swiftSettings),
        .testTarget(name: "HousingFinanceTests", dependencies: ["HousingFinance"], swiftSettings: swiftSettings),
        .testTarget(name: "BankFilesTests", dependencies: ["BankFiles", "HousingFinance", "XML", "HubTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "InterfaceFilesTests", dependencies: ["InterfaceFiles", "HousingFinance", "XML"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HubTests", dependencies: ["Hub", "HubDemo", "HubTesting", "Scheduler", "Postgres", "HousingFinance", "BankFiles", "InterfaceFiles", "hub"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Hub", "HubDemo", "HubTesting", "Scheduler", "Postgres", "HousingFinance",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Hub", "Postgres", "HousingFinance"], swiftSettings: swiftSettings),
    ]
)
