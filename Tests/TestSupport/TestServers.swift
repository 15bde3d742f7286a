import Foundation

/// The real servers started by scripts/test-servers.sh, found through the
/// environment it prints. Absent: the test skips, unless skipping is
/// disallowed (CI), where it fails.
public enum TestServers {
    public static func mongoURI() throws -> String? {
        let uri = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_MONGO_URI"]
        guard try Skips.require(uri != nil, "a MongoDB-compatible server (LIFEBOAT_TEST_MONGO_URI; scripts/test-servers.sh start)") else { return nil }
        return uri
    }

    /// A database-name prefix unique to one test run, so tests sharing a
    /// server never see each other's data.
    public static func uniquePrefix(_ label: String) -> String {
        "t\(getpid() % 10000)\(label)\(UInt16.random(in: 0...UInt16.max))"
    }
}

extension TestServers {
    /// The test Docker engine's socket, as DOCKER_HOST.
    public static func dockerHost() throws -> String? {
        let host = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_DOCKER_HOST"]
        guard try Skips.require(host != nil, "a Docker engine (LIFEBOAT_TEST_DOCKER_HOST; scripts/test-servers.sh start with docker.io installed)") else { return nil }
        return host
    }

    public static let redisImage = "lifeboat-test/redis:latest"
}

extension TestServers {
    /// moto's S3 server with signature checking on, and a key it accepts.
    public struct S3Server: Sendable {
        public let endpoint: String
        public let accessKeyID: String
        public let secretAccessKey: String

        public init(endpoint: String, accessKeyID: String, secretAccessKey: String) {
            self.endpoint = endpoint
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }
    }

    public static func s3() throws -> S3Server? {
        let environment = ProcessInfo.processInfo.environment
        guard try Skips.require(environment["LIFEBOAT_TEST_S3_ENDPOINT"] != nil,
                                "an S3 server (LIFEBOAT_TEST_S3_ENDPOINT; scripts/test-servers.sh start)") else { return nil }
        return S3Server(endpoint: environment["LIFEBOAT_TEST_S3_ENDPOINT"]!,
                        accessKeyID: environment["LIFEBOAT_TEST_S3_ACCESS_KEY_ID"] ?? "",
                        secretAccessKey: environment["LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY"] ?? "")
    }

    /// The second S3 provider (another moto, with keys of its own): named targets' tests.
    public static func secondS3() throws -> S3Server? {
        let environment = ProcessInfo.processInfo.environment
        guard try Skips.require(environment["LIFEBOAT_TEST_S3B_ENDPOINT"] != nil,
                                "a second S3 server (LIFEBOAT_TEST_S3B_ENDPOINT; scripts/test-servers.sh start)") else { return nil }
        return S3Server(endpoint: environment["LIFEBOAT_TEST_S3B_ENDPOINT"]!,
                        accessKeyID: environment["LIFEBOAT_TEST_S3B_ACCESS_KEY_ID"] ?? "",
                        secretAccessKey: environment["LIFEBOAT_TEST_S3B_SECRET_ACCESS_KEY"] ?? "")
    }

    /// A bucket name no other test uses.
    public static func uniqueBucket(_ label: String) -> String {
        "lb-\(label.lowercased())-\(getpid() % 100000)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
