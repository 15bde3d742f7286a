// swift-tools-version:6.1
import PackageDescription

// Every target is compiled in Swift 6 mode with strict concurrency; these two
// upcoming features keep existential use and imports explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "lifeboat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lifeboat", targets: ["lifeboat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // The status server (HummingbirdCore: HTTP/1.1 on SwiftNIO) and the
        // service's lifecycle (signals, graceful shutdown). Hummingbird's
        // default traits would also build swift-configuration, unused here.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
    ],
    targets: [
        // Thin executable: parses arguments and calls LifeboatCore.
        .executableTarget(
            name: "lifeboat",
            dependencies: [
                "LifeboatCore",
                "LifeboatConfiguration",
                "Daemon",
                "Notifications",
                "ByteStreams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/1-executable/lifeboat", swiftSettings: strictSettings
        ),
        // Use cases: backup, restore, verify, list, prune.
        .target(
            name: "LifeboatCore",
            dependencies: ["ErrorCategories", "LifeboatConfiguration", "Scheduling", "Storage", "S3Storage", "SFTPStorage", "FileSources", "MongoSource", "MongoArchive", "RedisSource", "DockerEngine", "ComposeStack", "StreamCompression", "LifeboatCrypto", "ByteStreams", "HTTPClient"],
            path: "Sources/2-use-cases/LifeboatCore", swiftSettings: strictSettings
        ),
        // `lifeboat serve`: schedules, the run loop, health/metrics/report HTTP, alerts, logs.
        .target(
            name: "Daemon",
            dependencies: ["LifeboatCore", "LifeboatConfiguration", "Scheduling", "Storage", "HTTPClient", "ByteStreams", "Notifications", "ComposeStack", "DockerEngine",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "HummingbirdCore", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            path: "Sources/1-executable/Daemon", swiftSettings: strictSettings
        ),
        // Settings: every environment variable declared once, parsed and checked.
        .target(name: "LifeboatConfiguration", dependencies: ["ErrorCategories", "Scheduling", "ByteStreams"], path: "Sources/4-infrastructure/LifeboatConfiguration", swiftSettings: strictSettings),
        .target(name: "Scheduling", path: "Sources/4-infrastructure/Scheduling", swiftSettings: strictSettings),
        // What kind of failure an error is, decided by the module that throws it.
        .target(name: "ErrorCategories", path: "Sources/5-base/ErrorCategories", swiftSettings: strictSettings),
        .target(name: "Storage", dependencies: ["ErrorCategories", "ByteStreams", "CLinuxShims"], path: "Sources/4-infrastructure/Storage", swiftSettings: strictSettings),
        .target(name: "FileSources", dependencies: ["ErrorCategories", "TarArchive", "ByteStreams"], path: "Sources/3-components/FileSources", swiftSettings: strictSettings),
        .target(name: "ByteStreams", dependencies: ["ErrorCategories"], path: "Sources/5-base/ByteStreams", swiftSettings: strictSettings),
        // libmongoc and libbson, wrapped (the only importer of CMongoc and CBson).
        .target(name: "MongoClient", dependencies: ["CMongoc", "CBson", "RawBSON"], path: "Sources/4-infrastructure/MongoClient", swiftSettings: strictSettings),
        // The redis component: snapshot over replication, validation, restore.
        .target(name: "RedisSource", dependencies: ["ErrorCategories", "RedisClient", "ByteStreams"], path: "Sources/3-components/RedisSource", swiftSettings: strictSettings),
        // libcurl, wrapped (the only importer of CCurl); the Docker engine client on it.
        .target(name: "HTTPClient", dependencies: ["ErrorCategories", "CCurl", "ByteStreams"], path: "Sources/4-infrastructure/HTTPClient", swiftSettings: strictSettings),
        // The ways to be told: alert channels (webhook, email over SMTP) and the heartbeat.
        .target(name: "Notifications", dependencies: ["HTTPClient", "LifeboatConfiguration", "ByteStreams"], path: "Sources/4-infrastructure/Notifications", swiftSettings: strictSettings),
        // S3 and S3-compatible storage (and Glacier classes) on HTTPClient, SigV4 signed by us.
        .target(name: "S3Storage", dependencies: ["ErrorCategories", "Storage", "HTTPClient", "LifeboatCrypto", "ByteStreams"], path: "Sources/4-infrastructure/S3Storage", swiftSettings: strictSettings),
        // SFTP targets (key login, known_hosts checked) on HTTPClient's libcurl.
        .target(name: "SFTPStorage", dependencies: ["ErrorCategories", "Storage", "HTTPClient", "ByteStreams"], path: "Sources/4-infrastructure/SFTPStorage", swiftSettings: strictSettings),
        .target(name: "DockerEngine", dependencies: ["ErrorCategories", "HTTPClient", "ByteStreams"], path: "Sources/4-infrastructure/DockerEngine", swiftSettings: strictSettings),
        // The Compose stack on the engine: project, services, labels, start order.
        .target(name: "ComposeStack", dependencies: ["ErrorCategories", "DockerEngine", "LifeboatConfiguration"], path: "Sources/4-infrastructure/ComposeStack", swiftSettings: strictSettings),
        // hiredis, wrapped (the only importer of CHiredis).
        .target(name: "RedisClient", dependencies: ["CHiredis"], path: "Sources/4-infrastructure/RedisClient", swiftSettings: strictSettings),
        // Just enough BSON in Swift to frame archives and read replies and oplog entries.
        .target(name: "RawBSON", path: "Sources/4-infrastructure/RawBSON", swiftSettings: strictSettings),
        // The mongo component: dump, restore, verify.
        .target(name: "MongoSource", dependencies: ["ErrorCategories", "MongoClient", "MongoArchive", "RawBSON", "LifeboatCrypto", "ByteStreams"], path: "Sources/3-components/MongoSource", swiftSettings: strictSettings),
        // The mongodump archive format, in Swift (no C).
        .target(name: "MongoArchive", dependencies: ["ErrorCategories", "ByteStreams", "RawBSON"], path: "Sources/4-infrastructure/MongoArchive", swiftSettings: strictSettings),
        // Swift wrappers, each the only importer of its C module.
        .target(name: "TarArchive", dependencies: ["ErrorCategories", "CArchive", "ByteStreams"], path: "Sources/4-infrastructure/TarArchive", swiftSettings: strictSettings),
        .target(name: "LifeboatCrypto", dependencies: ["ErrorCategories", "COpenSSL", "ByteStreams"], path: "Sources/4-infrastructure/LifeboatCrypto", swiftSettings: strictSettings),
        .target(name: "StreamCompression", dependencies: ["ErrorCategories", "CZstd", "CZlib", "CDeflate", "ByteStreams"], path: "Sources/4-infrastructure/StreamCompression", swiftSettings: strictSettings),
        // Linux calls Swift's Glibc module does not expose.
        .target(name: "CLinuxShims", path: "Sources/6-c/CLinuxShims"),
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CArchive", path: "Sources/6-c/CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/6-c/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/6-c/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/6-c/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", path: "Sources/6-c/CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CMongoc", path: "Sources/6-c/CMongoc", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .systemLibrary(name: "CBson", path: "Sources/6-c/CBson", pkgConfig: "libbson-1.0", providers: [.apt(["libbson-dev"])]),
        .systemLibrary(name: "CHiredis", path: "Sources/6-c/CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/6-c/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "LifeboatTests",
            dependencies: [
                "LifeboatCore", "LifeboatConfiguration", "Scheduling", "Storage", "FileSources",
                "TarArchive", "LifeboatCrypto", "StreamCompression", "ByteStreams", "MongoArchive", "RawBSON", "MongoClient", "MongoSource", "RedisClient", "RedisSource", "HTTPClient", "DockerEngine", "ComposeStack", "S3Storage", "SFTPStorage", "Daemon", "Notifications", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["lifeboat", "TestSupport", "S3Storage", "SFTPStorage", "HTTPClient", "Storage"],
            exclude: ["Stack", "ProdCompose"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
