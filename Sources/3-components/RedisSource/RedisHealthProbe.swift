import RedisClient

/// What `doctor` and `status` ask a live Redis: its version and role, the
/// key count, whether this user may run SYNC (the snapshot's first
/// choice), its persistence and memory limits. Read-only.
public struct RedisHealth: Sendable {
    public enum Permission: Sendable, Equatable {
        case allowed
        /// The server or the user's ACL refuses it (with the server's words).
        case refused(String)
        /// Could not be asked (no ACL DRYRUN on this version, or no right to run it).
        case unknown(String)
    }
    public var version: String
    public var role: String
    public var keys: Int
    public var user: String
    public var sync: Permission
    /// CONFIG GET save ("" when RDB snapshots are off) and appendonly; nil when CONFIG is refused.
    public var saveRule: String?
    public var appendOnly: Bool?
    public var maxMemory: Int64?
    public var maxMemoryPolicy: String?
    public var usedMemory: Int64?

    public static func probe(_ endpoint: RedisEndpoint) throws -> RedisHealth {
        do {
            let connection = try endpoint.connect(timeoutSeconds: 5)
            let server = try connection.expect(["INFO", "server"]).text ?? ""
            let replication = try connection.expect(["INFO", "replication"]).text ?? ""
            let memory = try connection.expect(["INFO", "memory"]).text ?? ""
            let keys = RedisSnapshotter.keyspace(try connection.expect(["INFO", "keyspace"]).text ?? "").keys.values.reduce(0, +)
            var health = RedisHealth(version: RedisSnapshotter.field("redis_version", in: server) ?? "unknown",
                                     role: RedisSnapshotter.field("role", in: replication) ?? "master", keys: keys,
                                     user: endpoint.user ?? "default", sync: .unknown("not asked"),
                                     usedMemory: RedisSnapshotter.field("used_memory", in: memory).flatMap { Int64($0) })
            func config(_ name: String) -> String? {
                guard case .array(let items)? = try? connection.command(["CONFIG", "GET", name]), items.count == 2 else { return nil }
                return items[1].text
            }
            health.saveRule = config("save")
            health.appendOnly = config("appendonly").map { $0 == "yes" }
            health.maxMemory = config("maxmemory").flatMap { Int64($0) }
            health.maxMemoryPolicy = config("maxmemory-policy")
            health.sync = syncPermission(connection, user: health.user)
            return health
        } catch {
            throw RedisSourceError.from(error)
        }
    }

    /// Asks without running it (SYNC would start a snapshot): a renamed or
    /// disabled command is missing from COMMAND INFO; the user's ACL is
    /// asked with ACL DRYRUN (Redis 7).
    static func syncPermission(_ connection: RedisConnection, user: String) -> Permission {
        if case .array(let entries)? = try? connection.command(["COMMAND", "INFO", "sync"]), entries.first == .null {
            return .refused("the server has no SYNC command (renamed or disabled with rename-command)")
        }
        switch try? connection.command(["ACL", "DRYRUN", user, "sync"]) {
        case .status("OK")?: return .allowed
        case .bulk(let text)?: return .refused(String(decoding: text, as: UTF8.self))
        case .error(let text)?:
            // The first word of a Redis error is its code.
            if text.hasPrefix("NOPERM") { return .unknown("user \(user) may not run ACL DRYRUN to ask") }
            return .unknown(text)
        default: return .unknown("ACL DRYRUN did not answer")
        }
    }
}

extension RedisHealth {
    /// One round trip: the server's version, or why it does not answer.
    public static func ping(_ endpoint: RedisEndpoint) throws -> String {
        do {
            let info = try endpoint.connect(timeoutSeconds: 5).expect(["INFO", "server"]).text ?? ""
            return RedisSnapshotter.field("redis_version", in: info) ?? "unknown"
        } catch {
            throw RedisSourceError.from(error)
        }
    }
}
