/// What the manifest records about a Redis artifact.
public struct RedisSummary: Codable, Sendable, Equatable {
    public var serverVersion: String
    public var rdbVersion: Int
    /// RDB bytes.
    public var bytes: Int64
    /// Keys per database (`db0` …): counted in the snapshot itself when
    /// `keysCountedIn` is `snapshot`; otherwise (older sets, or an RDB
    /// record the counter does not know) `INFO keyspace` just before the
    /// snapshot, which a server being written has already left behind.
    public var keysPerDatabase: [String: Int]
    /// Keys with an expiry time (they may be gone by the time of a restore).
    public var expiringKeys: Int
    /// `snapshot` or `info` (absent in sets written before the count moved
    /// into the snapshot: `info`).
    public var keysCountedIn: String?
    public var keysMeasured: Bool { keysCountedIn == "snapshot" }
    /// How the snapshot was taken: `sync-disk`, `sync-diskless`, or
    /// `bgsave-docker` (BGSAVE, then the file copied out of the container).
    public var method: String

    public var totalKeys: Int { keysPerDatabase.values.reduce(0, +) }

    public init(serverVersion: String, rdbVersion: Int, bytes: Int64, keysPerDatabase: [String: Int], expiringKeys: Int, method: String,
                keysCountedIn: String? = nil) {
        self.serverVersion = serverVersion
        self.rdbVersion = rdbVersion
        self.bytes = bytes
        self.keysPerDatabase = keysPerDatabase
        self.expiringKeys = expiringKeys
        self.method = method
        self.keysCountedIn = keysCountedIn
    }

    /// A summary whose key counts are the snapshot's own when the counter
    /// could take them, else the `INFO keyspace` figures (with a warning).
    public static func measured(serverVersion: String, rdbVersion: Int, bytes: Int64, counted: Result<RDBKeyCounter.Counts, RDBKeyCounter.CountFailure>,
                                info: (keys: [String: Int], expires: Int), method: String, warn: (String) -> Void) -> RedisSummary {
        switch counted {
        case .success(let counts):
            return RedisSummary(serverVersion: serverVersion, rdbVersion: rdbVersion, bytes: bytes, keysPerDatabase: counts.keysPerDatabase,
                                expiringKeys: counts.expiringKeys, method: method, keysCountedIn: "snapshot")
        case .failure(let failure):
            warn("the snapshot's keys could not be counted (\(failure.reason)); the set records INFO keyspace from before the snapshot, and a restore will not check the key count")
            return RedisSummary(serverVersion: serverVersion, rdbVersion: rdbVersion, bytes: bytes, keysPerDatabase: info.keys,
                                expiringKeys: info.expires, method: method, keysCountedIn: "info")
        }
    }

    /// Whether a restored server's key count agrees with this snapshot:
    /// equal, or lower by no more than the keys that carry an expiry (those
    /// may have expired since). Nil when the snapshot's keys were never counted.
    public func checkRestoredKeys(_ found: Int) -> KeyCheck {
        guard keysMeasured else { return .notChecked("the set's key count was read from INFO before the snapshot, not from the snapshot") }
        if found == totalKeys { return .equal }
        if found < totalKeys && totalKeys - found <= expiringKeys { return .expiredSince(totalKeys - found) }
        return .differs
    }

    public enum KeyCheck: Sendable, Equatable {
        case equal
        /// Fewer keys, by at most the keys with an expiry: they expired since the snapshot.
        case expiredSince(Int)
        case differs
        case notChecked(String)
    }
}
