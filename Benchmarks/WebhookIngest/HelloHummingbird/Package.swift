// swift-tools-version:6.1
// The baseline of the webhook ingest benchmark: a bare Hummingbird server that reads a POST body
// and answers 200 with a small JSON object, nothing else. Its own package, so the main package
// stays untouched; build it with the main package's Package.resolved (see ../run.sh).
import PackageDescription

let package = Package(
    name: "HelloHummingbird",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1")
    ],
    targets: [
        .executableTarget(
            name: "HelloHummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        )
    ]
)
