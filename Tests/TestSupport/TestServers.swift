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
