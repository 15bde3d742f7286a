/// Component `redis`: the server, how it is restored, and its Compose service.
public struct RedisSettings: Sendable {
    /// REDIS_URL (nil: the component is not configured).
    public var url: String?
    public enum RestoreMethod: String, Sendable { case replication, file }
    public var restoreMethod: RestoreMethod
    /// LIFEBOAT_REDIS_SERVICE: the Compose service of the Redis container (file restores).
    public var service: String
    /// REDIS_DATA_DIR: the Redis data folder as mounted here, for file restores without the archive API.
    public var dataDirectory: String?

    static func load(_ values: inout ConfigurationValues) -> RedisSettings {
        RedisSettings(url: values.url("REDIS_URL"), restoreMethod: values.choice("REDIS_RESTORE_METHOD", as: RestoreMethod.self)!,
                      service: values.text("LIFEBOAT_REDIS_SERVICE")!, dataDirectory: values.path("REDIS_DATA_DIR"))
    }
}
