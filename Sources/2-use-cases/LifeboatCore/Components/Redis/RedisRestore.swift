import ByteStreams
import ComposeStack
import DockerEngine
import FileSources
import Foundation
import LifeboatConfiguration
import RedisSource
import Storage

/// A Redis restore: the RDB's stored bytes checked first and the target
/// looked at (it must be empty unless --overwrite), then loaded online
/// through replication (the default) or as a file through the engine.
struct RedisRestore: PreparedRestore {
    let restore: ComponentRestore
    let live: Bool
    var component: Component { .redis }

    static func prepare(_ restore: ComponentRestore) throws -> RedisRestore {
        guard let url = restore.settings.redis.url else {
            throw LifeboatError.usage("restoring 'redis' needs REDIS_URL", hint: "set REDIS_URL to the server to restore into")
        }
        let artifact = restore.artifact(.redis)
        try restore.checkWhole(artifact, in: restore.manifest.id)
        try checkTarget(restore, overwrite: restore.options.overwrite)
        let endpoint = try? RedisEndpoint(url: url)
        let live = artifact.source == nil || endpoint.map { ServerIdentity.redis(host: $0.host, port: $0.port) } == artifact.source
        return RedisRestore(restore: restore, live: live)
    }

    func apply(into outcome: inout RestoreJob.Outcome) throws {
        let check = try restoreRedis(restore.artifact(.redis), of: restore.manifest.id, overwrite: restore.options.overwrite)
        outcome.restored.append((.redis, "Redis"))
        switch check {
        case .expiredSince(let n): outcome.notes.append("redis: \(n) keys with a TTL had expired since the snapshot")
        case .notChecked(let why): outcome.notes.append("redis: key count not checked, \(why)")
        case .equal, .differs: break
        }
    }

    /// Refuses before anything changes when the target Redis holds data
    /// and --overwrite was not given (the restore replaces all of it).
    private static func checkTarget(_ restore: ComponentRestore, overwrite: Bool) throws {
        do {
            let endpoint = try RedisEndpoint(url: restore.settings.redis.url!)
            let facts = try RedisServerFacts.read(endpoint)
            if facts.keys > 0 && !overwrite {
                throw LifeboatError.usage("the Redis at \(endpoint.host):\(endpoint.port) holds \(facts.keys) keys; a restore replaces all of them",
                                          hint: "pass --overwrite to replace them, or restore the other components with --components")
            }
        } catch {
            throw LifeboatError.wrap(error, doing: "checking the Redis to restore into")
        }
    }

    private func restoreRedis(_ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws -> RedisSummary.KeyCheck {
        if (restore.options.redisMethod ?? restore.settings.redis.restoreMethod) == .file {
            return try restoreRedisFile(artifact, of: id, overwrite: overwrite)
        }
        do {
            let endpoint = try RedisEndpoint(url: restore.settings.redis.url!)
            let summary = try artifact.redis ?? { throw LifeboatError(.dataError, "the manifest has no redis summary for \(artifact.file)") }()
            let source = try restore.contents(artifact, of: id)
            let outcome = try RedisReplicationRestorer(endpoint: endpoint)
                .restore(from: source, length: summary.bytes, expected: summary, overwrite: overwrite)
            restore.console.info("  redis: \(outcome.keys) keys loaded in \(String(format: "%.2f", outcome.seconds)) s (online, through replication)\(Self.describe(outcome.keyCheck))")
            return outcome.keyCheck
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring redis")
        }
    }

    /// The guide's procedure, automated: stop the Redis container, put the
    /// RDB into its data directory through the Docker archive API, start it,
    /// wait until it answers with the data loaded, check the key count.
    private func restoreRedisFile(_ artifact: Manifest.Artifact, of id: BackupSetID, overwrite: Bool) throws -> RedisSummary.KeyCheck {
        let started = Date()
        do {
            let endpoint = try RedisEndpoint(url: restore.settings.redis.url!)
            let summary = try artifact.redis ?? { throw LifeboatError(.dataError, "the manifest has no redis summary for \(artifact.file)") }()
            let facts = try RedisServerFacts.read(endpoint)
            if facts.appendOnly {
                throw LifeboatError.usage("Redis has AOF on (appendonly yes): on start it would load its AOF and ignore the restored RDB",
                                          hint: "use REDIS_RESTORE_METHOD=replication (the default), which rewrites the AOF, or turn AOF off for the restore")
            }
            if facts.keys > 0 && !overwrite {
                throw LifeboatError.usage("the Redis holds \(facts.keys) keys; a restore replaces all of them", hint: "pass --overwrite to replace them")
            }
            let stack = try ComposeStack(restore.settings)
            let container = try stack.service(restore.settings.redis.service)
            let rdb = try restore.contents(artifact, of: id)
            if let dataDirectory = restore.settings.redis.dataDirectory {
                // The data folder is mounted here: write the file beside its
                // final name, then rename it over the old one while Redis is stopped.
                let upload = try LocalTier(root: dataDirectory).beginUpload(key: facts.dbFilename + ".lifeboat-restore")
                do {
                    try rdb.drain { try upload.write($0) }
                    try upload.commit()
                } catch {
                    upload.abort()
                    throw error
                }
                restore.console.info("stopping \(container.name) to replace \(dataDirectory)/\(facts.dbFilename)")
                try stack.client.stop(container.Id, timeoutSeconds: 30)
                if rename(dataDirectory + "/" + facts.dbFilename + ".lifeboat-restore", dataDirectory + "/" + facts.dbFilename) != 0 {
                    let failure = SystemCallError("rename", path: dataDirectory + "/" + facts.dbFilename)
                    try? stack.client.start(container.Id)
                    throw failure
                }
            } else {
                let owner = try stack.client.owner(container.Id, path: facts.directory)
                // The tar goes through a temporary file: the archive API wants a
                // body, and the RDB must not be held in memory.
                let scratch = try ScratchFile(path: restore.settings.backupDirectory + "/.lifeboat-restore-\(id)-redis.tar")
                try TreeArtifact.writeSingleFile(name: facts.dbFilename, size: summary.bytes, mode: 0o644, uid: owner.uid, gid: owner.gid,
                                                 from: rdb, to: scratch.sink)
                restore.console.info("stopping \(container.name) to replace \(facts.directory)/\(facts.dbFilename)")
                try stack.client.stop(container.Id, timeoutSeconds: 30)
                do {
                    try stack.client.putArchive(container.Id, path: facts.directory, from: scratch.source())
                } catch {
                    try? stack.client.start(container.Id)
                    throw error
                }
            }
            try stack.client.start(container.Id)
            try stack.client.waitUntilReady(container.Id, timeoutSeconds: 120)
            let keys = try RedisServerFacts.waitUntilLoaded(endpoint, timeoutSeconds: 600)
            let check = summary.checkRestoredKeys(keys)
            guard check != .differs else {
                throw LifeboatError(.dataError, "after the restore Redis holds \(keys) keys; the snapshot held \(summary.totalKeys)")
            }
            restore.console.info("  redis: \(keys) keys loaded, \(String(format: "%.1f", Date().timeIntervalSince(started))) s from stop to loaded (file, container \(container.name))\(Self.describe(check))")
            return check
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring redis")
        }
    }

    /// The key check's words on the restore line (nothing when equal).
    static func describe(_ check: RedisSummary.KeyCheck) -> String {
        switch check {
        case .equal, .differs: return ""
        case .expiredSince(let n): return "; \(n) keys with a TTL expired since the snapshot"
        case .notChecked(let why): return "; key count not checked: \(why)"
        }
    }
}
