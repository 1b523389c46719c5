// swift-tools-version:6.1
// A third-party Swift plugin: its own package, depending only on Switchboard's SwitchboardSDK product.
import PackageDescription

let package = Package(
    name: "greeter",
    platforms: [.macOS(.v15)],
    products: [
        // A dynamic library: the build writes libGreeter.so.
        .library(name: "Greeter", type: .dynamic, targets: ["Greeter"]),
    ],
    dependencies: [
        // Outside this repository: .package(url: "https://github.com/<org>/switchboard.git", from: "1.0.0")
        .package(name: "switchboard", path: "../.."),
    ],
    targets: [
        .target(
            name: "Greeter",
            dependencies: [.product(name: "SwitchboardSDK", package: "switchboard")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
