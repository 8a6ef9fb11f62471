// swift-tools-version:6.1
// Reference server for scripts/bench/run: a bare Hummingbird route returning a small JSON body,
// same Hummingbird version as Sealdrop, so `wrk` numbers show what the framework alone costs.
import PackageDescription

let package = Package(
    name: "hello",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        // Same SwiftNIO as Sealdrop's Package.swift, so the two servers share the event loop code.
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
    ],
    targets: [
        .executableTarget(
            name: "Hello",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
