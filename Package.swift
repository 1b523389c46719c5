// swift-tools-version:6.1
import PackageDescription
import class Foundation.ProcessInfo

// Shared settings for every Swift target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

// Plugins link only the C ABI and the Swift SDK: never the host. Each channel is two targets:
// `<Name>Core` (Plugins/<Name>/Core), its domain rules as plain types that tests drive with no
// server, and `<Name>` (Plugins/<Name>/Plugin), the thin plugin that wires them to the ABI.
func channelPlugin(_ name: String) -> [Target] {
    [
        .target(
            name: "\(name)Core",
            dependencies: ["SwitchboardSDK"],
            path: "Plugins/\(name)/Core",
            swiftSettings: swiftSettings
        ),
        .target(
            name: name,
            dependencies: ["SwitchboardSDK", .target(name: "\(name)Core")],
            path: "Plugins/\(name)/Plugin",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "\(name)Tests",
            dependencies: [.target(name: "\(name)Core"), "SwitchboardSDK"],
            path: "Tests/\(name)Tests",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "PluginAPI", targets: ["PluginAPI"]),
        .library(name: "SwitchboardSDK", targets: ["SwitchboardSDK"]),
        .library(name: "Evolution", type: .dynamic, targets: ["Evolution"]),
        .library(name: "SMS", type: .dynamic, targets: ["SMS"]),
        .library(name: "Webchat", type: .dynamic, targets: ["Webchat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The stable C ABI: one pure C99 header, nothing but the C standard headers.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),
        // The system SQLite library (libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Embedded storage: SQLite wrapper, host registry, tenant-scoped plugin KV and SQL.
        .target(
            name: "SwitchboardStorage",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Storage",
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL backend of SwitchboardStorage's SQLDatabase (PostgresNIO).
        .target(
            name: "SwitchboardPostgres",
            dependencies: [
                "SwitchboardStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Postgres",
            swiftSettings: swiftSettings
        ),
        // The Swift SDK for plugin authors: a protocol, no raw pointers.
        .target(
            name: "SwitchboardSDK",
            dependencies: ["PluginAPI"],
            path: "Sources/SDK",
            swiftSettings: swiftSettings
        ),
        // The host: loader, storage, server, admin API. Reaches plugins only through PluginAPI.
        .target(
            name: "SwitchboardHost",
            dependencies: [
                "PluginAPI",
                "SwitchboardStorage",
                "SwitchboardPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Host",
            resources: [.copy("Admin/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // The thin command line over the host library.
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/switchboard",
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"])]
        ),
    ] + channelPlugin("Evolution") + channelPlugin("SMS") + channelPlugin("Webchat") + [
        .testTarget(
            name: "SDKTests",
            dependencies: ["SwitchboardSDK"],
            path: "Tests/SDKTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            // The storage suite. Tests taking a `backend` argument run one body over every
            // backend: SQLite always, PostgreSQL when SWITCHBOARD_TEST_POSTGRES_URL names a
            // server (scripts/test starts one; under CI it must).
            name: "StorageTests",
            dependencies: ["SwitchboardStorage", "SwitchboardPostgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/StorageTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostTests",
            dependencies: [
                "SwitchboardHost",
                "SwitchboardStorage",
                "SwitchboardPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/HostTests",
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"])]
        ),
    ]
)

// Benchmarks build only when asked for, so they never slow the normal build.
if ProcessInfo.processInfo.environment["SWITCHBOARD_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(
            name: "SwitchboardBenchmarks",
            dependencies: [
                "SwitchboardHost", "SwitchboardStorage", "PluginAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SwitchboardBenchmarks",
            swiftSettings: swiftSettings + [.unsafeFlags(["-Ounchecked"])]
        )
    )
    package.products.append(.executable(name: "switchboard-benchmarks", targets: ["SwitchboardBenchmarks"]))
    // 10,000 tenants x 3 instances: resolve from memory, start-up time and resident memory.
    package.targets.append(
        .executableTarget(
            name: "RegistryBenchmark",
            dependencies: [
                "SwitchboardHost", "SwitchboardStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RegistryBenchmark",
            swiftSettings: swiftSettings
        )
    )
    package.products.append(
        .executable(name: "switchboard-registry-benchmark", targets: ["RegistryBenchmark"]))
    // Inbound -> template agent -> outbound through a C plugin: latency and messages per second.
    package.targets.append(
        .executableTarget(
            name: "ConversationBenchmark",
            dependencies: [
                "SwitchboardHost",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ConversationBenchmark",
            swiftSettings: swiftSettings
        )
    )
    package.products.append(
        .executable(name: "switchboard-conversation-benchmark", targets: ["ConversationBenchmark"]))
    // The conversation store alone: inbound messages and send reports per second by batch size.
    package.targets.append(
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["SwitchboardStorage", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/StoreBenchmark",
            swiftSettings: swiftSettings
        )
    )
    package.products.append(.executable(name: "switchboard-store-benchmark", targets: ["StoreBenchmark"]))
    // A Swift SDK plugin whose hooks do nothing: the subject of the SDK hook round-trip benchmark.
    package.targets.append(
        .target(
            name: "NoopPlugin",
            dependencies: ["SwitchboardSDK"],
            path: "Benchmarks/NoopPlugin",
            swiftSettings: swiftSettings
        )
    )
    package.products.append(.library(name: "NoopPlugin", type: .dynamic, targets: ["NoopPlugin"]))
}
