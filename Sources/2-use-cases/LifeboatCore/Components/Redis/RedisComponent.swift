import ByteStreams
import ComposeStack
import DockerEngine
import FileSources
import Foundation
import LifeboatConfiguration
import RedisSource

extension Component {
    /// Redis, as an RDB file (what `redis-server` loads on start).
    public static let redis = Component(registered: "redis")
}

/// Redis: the RDB snapshot taken through replication (SYNC), or by BGSAVE
/// and copied out of the container when SYNC is refused.
struct RedisComponent: ComponentHandler {
    var component: Component { .redis }
    var fileStem: String { "redis.rdb" }
    var format: String { "rdb" }
    var configureHint: String { "set REDIS_URL (or REDIS_URL_FILE), e.g. redis://:password@redis:6379/" }

    var rebuild: (any ComponentRebuild)? { RedisRebuild() }

    func isConfigured(_ settings: Settings) -> Bool { settings.redis.url != nil }

    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws {
        let endpoint: RedisEndpoint
        do { endpoint = try RedisEndpoint(url: backup.settings.redis.url!) } catch {
            throw LifeboatError.usage("REDIS_URL is not valid: \(error)")
        }
        do {
            artifact.source = ServerIdentity.redis(host: endpoint.host, port: endpoint.port)
            artifact.redis = try RedisSnapshotter(endpoint: endpoint, warn: backup.warn).snapshot(into: sink)
        } catch let error as RedisSourceError where error.kind == .refused {
            // Nothing reached the sink yet: SYNC is refused before any payload.
            backup.warn("\(error.message); falling back to BGSAVE and reading the file through the Docker engine")
            artifact.redis = try snapshotThroughDocker(endpoint, backup, into: sink)
        }
    }

    /// BGSAVE, then the RDB file copied out of the Redis container (its
    /// Compose service) through the Docker archive API, validated on the way.
    private func snapshotThroughDocker(_ endpoint: RedisEndpoint, _ backup: ComponentBackup, into sink: any ByteSink) throws -> RedisSummary {
        let settings = backup.settings
        let saved = try RedisBackgroundSave.run(endpoint)
        let stack = try ComposeStack(settings)
        let container = try stack.service(settings.redis.service)
        let scratch = try ScratchFile(path: settings.backupDirectory + "/.lifeboat-bgsave-\(getpid()).tar")
        try stack.client.getArchive(container.Id, path: saved.path, into: scratch.sink)
        let validating = RDBValidatingSink(sink)
        try TreeArtifact.extractSingleFile(from: scratch.source(), to: validating)
        let version = try validating.finish()
        backup.console.info("  redis: snapshot taken by BGSAVE and copied out of \(container.name):\(saved.path)")
        return RedisSummary.measured(serverVersion: saved.serverVersion, rdbVersion: version, bytes: validating.count, counted: validating.keyCounts,
                                     info: (saved.keys, saved.expires), method: "bgsave-docker", warn: backup.warn)
    }

    func describe(_ artifact: Manifest.Artifact) -> String {
        guard let redis = artifact.redis else { return "" }
        return "\(redis.totalKeys) keys, RDB version \(redis.rdbVersion), \(ByteCount.describe(redis.bytes)) (\(redis.method))"
    }

    /// The RDB's structure and checksum, its size and (when the backup
    /// counted them) its keys per database.
    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        var validator = RDBValidator()
        try source.drain { validator.update($0) }
        _ = try validator.finish()
        if let expected = artifact.redis, expected.bytes != validator.count {
            return ["the RDB has \(validator.count) bytes, the manifest says \(expected.bytes)"]
        }
        if let expected = artifact.redis, expected.keysMeasured, case .success(let counts) = validator.keyCounts,
           counts.keysPerDatabase != expected.keysPerDatabase {
            return ["the RDB holds \(counts.totalKeys) keys, the manifest says \(expected.totalKeys)"]
        }
        return []
    }

    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)? {
        guard let url = settings.redis.url else { return nil }
        do { return (true, "Redis \(try RedisHealth.ping(try RedisEndpoint(url: url))) answers") } catch { return (false, "\(error)") }
    }

    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding] { RedisCheck.findings(context) }

    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore {
        try RedisRestore.prepare(restore)
    }
}
