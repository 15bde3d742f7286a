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
