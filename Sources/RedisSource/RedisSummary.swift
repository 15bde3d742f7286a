/// What the manifest records about a Redis artifact.
public struct RedisSummary: Codable, Sendable, Equatable {
    public var serverVersion: String
    public var rdbVersion: Int
    /// RDB bytes.
    public var bytes: Int64
    /// `INFO keyspace` when the snapshot was asked for: keys per database.
    public var keysPerDatabase: [String: Int]
    public var expiringKeys: Int
    /// How the snapshot was taken: `sync-disk`, `sync-diskless`, or
    /// `bgsave-docker` (BGSAVE, then the file copied out of the container).
    public var method: String

    public var totalKeys: Int { keysPerDatabase.values.reduce(0, +) }

    public init(serverVersion: String, rdbVersion: Int, bytes: Int64, keysPerDatabase: [String: Int], expiringKeys: Int, method: String) {
        self.serverVersion = serverVersion
        self.rdbVersion = rdbVersion
        self.bytes = bytes
        self.keysPerDatabase = keysPerDatabase
        self.expiringKeys = expiringKeys
        self.method = method
    }
}
