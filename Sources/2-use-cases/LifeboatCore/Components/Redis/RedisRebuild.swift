import Foundation
import LifeboatConfiguration
import RedisSource

/// Redis in a rebuild: its service started and loaded, the RDB put into
/// the container's data folder and the container restarted (the guide's
/// procedure) when the engine is there, online through replication
/// otherwise; then its keys counted.
struct RedisRebuild: ComponentRebuild {
    var stepName: String { "redis" }
    var order: Int { 0 }

    func service(_ settings: Settings) -> String? { settings.redis.service }

    func waitUntilAnswering(_ settings: Settings, timeoutSeconds: Double) throws -> String? {
        let started = Date()
        _ = try RedisServerFacts.waitUntilLoaded(try RedisEndpoint(url: settings.redis.url!), timeoutSeconds: timeoutSeconds)
        return String(format: "Redis answered after %.1f s", Date().timeIntervalSince(started))
    }

    func existingData(_ settings: Settings) throws -> String? {
        let keys = try RedisServerFacts.read(try RedisEndpoint(url: settings.redis.url!)).keys
        return keys > 0 ? "Redis holds \(keys) keys" : nil
    }

    func plan(_ target: RebuildRun.Located, _ settings: Settings) -> String {
        "\(target.manifest.artifact(.redis)?.redis?.totalKeys ?? 0) keys"
    }

    func restore(_ target: RebuildRun.Located, in run: RebuildRun) throws -> String {
        var options = RestoreJob.Options(components: [.redis], overwrite: true)
        options.redisMethod = try run.stack() == nil ? .replication : .file
        _ = try run.restore(target, [.redis], options)
        let keys = target.manifest.artifact(.redis)?.redis?.totalKeys ?? 0
        return "\(keys) keys (\(options.redisMethod == .file ? "RDB file into the container, restarted" : "online, through replication")), DBSIZE checked"
    }

    func check(_ target: RebuildRun.Located, _ settings: Settings) throws -> String? {
        guard let summary = target.manifest.artifact(.redis)?.redis else { return nil }
        let keys = try RedisServerFacts.read(try RedisEndpoint(url: settings.redis.url!)).keys
        return "Redis: \(keys) keys (the snapshot held \(summary.totalKeys)\(keys == summary.totalKeys ? "" : "; the application has written since it started"))"
    }
}
