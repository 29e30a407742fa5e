// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for every file reader of the hub, one executable each. Its own package, so
// that the hub's build is unaffected; it depends on the hub's package by path. Build and run with
// `Fuzz/run` (see README.md): swift build -c release -Xswiftc -sanitize=fuzzer,address.
let fuzzTargets = [
    "FuzzCamt", "FuzzMT940", "FuzzCash", "FuzzOutlet", "FuzzCard", "FuzzHB", "FuzzARUDD",
    "FuzzCompletedJobs", "FuzzLoaderCSV",
]

let package = Package(
    name: "HubFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "HousingFinanceHub", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "BankFiles", package: "HousingFinanceHub")]),
        .target(name: "CFuzzer"),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport", "CFuzzer",
                .product(name: "BankFiles", package: "HousingFinanceHub"),
            ] + (name == "FuzzLoaderCSV" ? [.product(name: "Hub", package: "HousingFinanceHub")] : []),
            // No top-level code: the entry point is `<Target>_main`, which runs libFuzzer's driver.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
