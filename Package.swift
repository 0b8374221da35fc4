// swift-tools-version:6.1
import CompilerPluginSupport
import PackageDescription

/// Madoguchi: customer-account services that speak JSON-RPC 2.0 over Unix sockets,
/// socket-activated by systemd. Layout: `Shared/` (models, JSON-RPC, systemd, service kit),
/// `Services/` (one library + thin executable per service, and `madoctl`), `Tests/`.
let nio = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioConcurrency = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let nioFoundation = Target.Dependency.product(name: "NIOFoundationCompat", package: "swift-nio")
let nioExtras = Target.Dependency.product(name: "NIOExtras", package: "swift-nio-extras")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
/// SQLite's own C interface, as GRDB links it: for the one read GRDB's row API makes costly (`Statement.readFirstRow`).
let grdbSQLite = Target.Dependency.product(name: "GRDBSQLite", package: "GRDB.swift")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let cryptoExtras = Target.Dependency.product(name: "CryptoExtras", package: "swift-crypto")
let subprocess = Target.Dependency.product(name: "Subprocess", package: "swift-subprocess")
let system = Target.Dependency.product(name: "SystemPackage", package: "swift-system")
let csv = Target.Dependency.product(name: "CSV", package: "CSV.swift")
let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let nioHTTP = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let metrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")

/// What a server (a service, its tests) builds on: the service kit and the layers under it.
let serverKit: [Target.Dependency] = ["ServiceKit", "ServiceContract", "ServiceClient", "JSONRPC", "JSONRPCTransport"]

/// A Madoguchi service: the one entry Package.swift keeps for each (the same names as
/// `ServiceName`). Its wire contract is `Services/<Name>/<Name>API`, its library
/// `Services/<Name>/<Name>Service` and its thin executable `Services/<Name>/madoguchi-<name>`.
struct ServiceTargets {
    /// `Auth`.
    var name: String
    /// The other services' contracts its own contract uses (`LinesAPI` names auth's PIN types).
    var contractUses: [String] = []
    /// The other services' contracts it calls, and its own further dependencies.
    var uses: [Target.Dependency] = []

    var api: String { name + "API" }
    var library: String { name + "Service" }
    var executable: String { "madoguchi-" + name.lowercased() }

    var targets: [Target] {
        [
            .target(
                name: api,
                dependencies: ["ServiceContract", "JSONRPC", "MadoguchiModels"] + contractUses.map { .target(name: $0) },
                path: "Services/\(name)/\(api)"),
            .target(
                name: library,
                dependencies: [.target(name: api)] + serverKit + ["MadoguchiModels", logging, grdb, argumentParser, metrics] + uses,
                path: "Services/\(name)/\(library)"),
            .executableTarget(
                name: executable, dependencies: [.target(name: library), "ServiceKit"],
                path: "Services/\(name)/\(executable)"),
        ]
    }
}

let services = [
    ServiceTargets(name: "Auth", uses: [postgres, crypto, cryptoExtras, lifecycle, nioConcurrency, nioPosix]),
    ServiceTargets(name: "Registration", uses: ["AuthAPI"]),
    ServiceTargets(name: "Billing", uses: ["AuthAPI", postgres, csv]),
    ServiceTargets(name: "Linking", uses: ["AuthAPI", "RegistrationAPI"]),
    ServiceTargets(name: "Lines", contractUses: ["AuthAPI"], uses: ["AuthAPI"]),
]
/// Every service's contract, and every service's library.
let contracts = services.map { Target.Dependency.target(name: $0.api) }
let libraries = services.map { Target.Dependency.target(name: $0.library) }

let package = Package(
    name: "Madoguchi",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.executable, targets: [$0.executable]) } + [
        .executable(name: "madoctl", targets: ["madoctl"]),
        .executable(name: "madoguchi-exporter", targets: ["madoguchi-exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
    ],
    targets: [
        // Shared
        .systemLibrary(
            name: "CSystemd",
            path: "Shared/CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(name: "Systemd", dependencies: ["CSystemd"], path: "Shared/Systemd"),
        .target(name: "MadoguchiModels", path: "Shared/Models"),
        // `@WireObject`: a wire struct's initialiser and schema from its fields (issue 25);
        // `@DirectlyParsable`: a service's options read at start without reflection (issue 23).
        .macro(
            name: "WireMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            path: "Shared/WireMacros"
        ),
        // JSON-RPC as the wire contract sees it: messages, the method registry, discovery.
        .target(name: "JSONRPC", dependencies: ["WireMacros", nio, nioFoundation, logging], path: "Shared/JSONRPC"),
        // JSON-RPC over Unix sockets: the NIO server and the Swift client.
        .target(
            name: "JSONRPCTransport",
            dependencies: ["JSONRPC", nio, nioPosix, nioExtras, nioFoundation, nioConcurrency, logging, lifecycle, metrics],
            path: "Shared/JSONRPCTransport"
        ),
        // What every service's wire contract shares (the common methods and refusals,
        // idempotency keys, imports, the models' schemas): all a client needs, no storage.
        .target(name: "ServiceContract", dependencies: ["JSONRPC", "MadoguchiModels"], path: "Shared/ServiceContract"),
        // How callers reach the services: the socket directory and peer pools, and the
        // outbox spool's reader (madoctl and the services).
        .target(
            name: "ServiceClient",
            dependencies: ["JSONRPC", "JSONRPCTransport", "ServiceContract", nio, nioPosix, nioConcurrency, logging, metrics],
            path: "Shared/ServiceClient"),
        // A service's state is in its SQLite file (GRDB) or, for a fleet of hosts, in
        // PostgreSQL (postgres-nio): `Storage/` and `Postgres/` (issue 24).
        .target(
            name: "ServiceKit",
            dependencies: [
                "JSONRPC", "JSONRPCTransport", "ServiceContract", "ServiceClient", "Systemd", "MadoguchiModels", nio, nioPosix,
                nioConcurrency, logging, lifecycle, argumentParser, grdb, grdbSQLite, crypto, subprocess, system, postgres, nioSSL,
                metrics, prometheus,
            ],
            path: "Shared/ServiceKit"
        ),
    ]
        + services.flatMap(\.targets)
        + [
            .target(
                name: "MadoctlCommands",
                dependencies: [
                    "JSONRPC", "JSONRPCTransport", "ServiceContract", "ServiceClient", "MadoguchiModels", argumentParser, nio, nioPosix,
                    nioExtras, csv, histogram,
                ] + contracts,
                path: "Services/madoctl/MadoctlCommands"
            ),
            .executableTarget(name: "madoctl", dependencies: ["MadoctlCommands"], path: "Services/madoctl/madoctl"),
            // Every service's metrics to Prometheus over HTTP (issue 26): reads the services
            // over their sockets, links no storage.
            .target(
                name: "MetricsExporter",
                dependencies: [
                    "ServiceClient", "ServiceContract", "JSONRPC", "JSONRPCTransport", "Systemd", nio, nioPosix, nioHTTP, logging,
                    argumentParser,
                ],
                path: "Services/Exporter/MetricsExporter"),
            .executableTarget(
                name: "madoguchi-exporter", dependencies: ["MetricsExporter"], path: "Services/Exporter/madoguchi-exporter"),
            // Fuzzing (compose/fuzz): every service's method table behind one harness, and
            // the libFuzzer driver; FuzzRegressionTests replays the seeds and past findings.
            .target(
                name: "MadoguchiFuzzing",
                dependencies: serverKit + [logging] + libraries,
                path: "Tests/Fuzz/MadoguchiFuzzing"
            ),
            .executableTarget(name: "madoguchi-fuzz", dependencies: ["MadoguchiFuzzing"], path: "Tests/Fuzz/madoguchi-fuzz"),

            // Tests
            .target(
                name: "TestSupport",
                dependencies: serverKit + [nioPosix, nioConcurrency, grdb, postgres, logging],
                path: "Tests/TestSupport"
            ),
            .testTarget(name: "ModelsTests", dependencies: ["MadoguchiModels"]),
            .testTarget(
                name: "AuthServiceTests",
                dependencies: serverKit + ["AuthService", "AuthAPI", "MadoguchiModels", "TestSupport", postgres, logging, grdb]),
            .testTarget(
                name: "BillingServiceTests",
                dependencies: serverKit + ["BillingService", "BillingAPI", "MadoguchiModels", "TestSupport", postgres]),
            .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "JSONRPCTransport", "TestSupport", nio, nioPosix, logging, lifecycle]),
            .testTarget(name: "FuzzRegressionTests", dependencies: ["MadoguchiFuzzing"]),
            // Every method's declaration against its schema, seed, errors and docs (issue 25).
            .testTarget(
                name: "ContractTests",
                dependencies: ["MadoguchiFuzzing", "JSONRPC", "ServiceKit", "ServiceContract", "TestSupport", grdb, postgres, argumentParser]
                    + libraries),
            .testTarget(name: "ServiceKitTests", dependencies: serverKit + ["TestSupport", grdb, postgres]),
            .testTarget(
                name: "PostgresStorageTests",
                dependencies: serverKit + ["TestSupport", postgres, logging, grdb]),
            .testTarget(
                name: "IntegrationTests",
                dependencies: serverKit + ["TestSupport", "MadoguchiModels", "MetricsExporter", grdb, postgres, logging] + contracts
            ),
        ],
    swiftLanguageModes: [.v6]
)
