/// What the manifest records about a Redis artifact.
public struct RedisSummary: Codable, Sendable, Equatable {
    public var serverVersion: String
    public var rdbVersion: Int
    /// RDB bytes.
    public var bytes: Int64
    /// `INFO keyspace` when the snapshot was asked for: keys per database.
    public var keysPerDatabase: [String: Int]
    public var expiringKeys: Int
    /// How the snapshot was taken: `sync-disk`, `sync-diskless`.
    public var method: String

    public var totalKeys: Int { keysPerDatabase.values.reduce(0, +) }
}
