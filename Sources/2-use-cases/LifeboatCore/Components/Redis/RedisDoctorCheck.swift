import ByteStreams
import LifeboatConfiguration
import Foundation
import RedisSource

/// Redis: reachable and authenticated, SYNC allowed (or the Docker
/// fallback there), persistence and what it means for the restore method,
/// memory against the snapshot.
enum RedisCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        let settings = context.settings
        guard let url = settings.redis.url else {
            return [DoctorFinding("redis", "configured", .notChecked, "REDIS_URL is not set: Redis is not backed up")]
        }
        let health: RedisHealth
        do {
            health = try RedisHealth.probe(try RedisEndpoint(url: url))
        } catch let error as RedisSourceError {
            return [DoctorFinding("redis", error.kind == .authentication ? "authenticated" : "reachable", .fail, error.message, fix: error.hint)]
        } catch {
            return [DoctorFinding("redis", "reachable", .fail, "\(error)", fix: "check REDIS_URL (redis://[user:password@]host:6379)")]
        }
        var findings = [DoctorFinding("redis", "reachable", .ok, "Redis \(health.version) (\(health.role)) answers as \(health.user); \(health.keys) keys")]

        switch health.sync {
        case .allowed:
            findings.append(DoctorFinding("redis", "SYNC", .ok, "user \(health.user) may run SYNC: snapshots stream over the replication protocol"))
        case .refused(let why):
            // The fallback: BGSAVE, then the file copied out of the container.
            let container = DockerCheck.service(settings.redis.service, context)
            switch container {
            case .success(let name):
                findings.append(DoctorFinding("redis", "SYNC", .warn, "SYNC is refused (\(why)); backups fall back to BGSAVE and copy dump.rdb out of container \(name) through Docker",
                                              fix: "allow it for a faster snapshot that writes nothing to Redis's disk: ACL SETUSER \(health.user) +sync (or remove the rename-command)"))
            case .failure(let problem):
                findings.append(DoctorFinding("redis", "SYNC", .fail, "SYNC is refused (\(why)) and the fallback cannot run: \(problem)",
                                              fix: "ACL SETUSER \(health.user) +sync, or mount the Docker socket so the BGSAVE fallback can copy the file (LIFEBOAT_REDIS_SERVICE names the service)"))
            }
        case .unknown(let why):
            findings.append(DoctorFinding("redis", "SYNC", .notChecked, "whether SYNC is allowed: \(why); the next backup tries it and falls back to BGSAVE through Docker"))
        }

        if let save = health.saveRule, let aof = health.appendOnly {
            let persistence = aof ? "AOF on" + (save.isEmpty ? "" : ", RDB snapshots '\(save)'") : save.isEmpty ? "no persistence (save '' and appendonly no)" : "RDB snapshots '\(save)', AOF off"
            switch settings.redis.restoreMethod {
            case .replication where !aof && save.isEmpty:
                findings.append(DoctorFinding("redis", "persistence", .warn,
                                              "\(persistence): a restore (REDIS_RESTORE_METHOD=replication) loads the keys into memory only; a Redis restart before anything saves them loses them again",
                                              fix: "turn persistence on (appendonly yes, or a save rule), or run BGSAVE after a restore"))
            case .replication:
                findings.append(DoctorFinding("redis", "persistence", .ok, "\(persistence): a restore over replication is persisted by Redis itself"))
            case .file where aof:
                findings.append(DoctorFinding("redis", "persistence", .fail,
                                              "\(persistence): a file restore (REDIS_RESTORE_METHOD=file) is refused, since Redis would load its AOF and ignore the restored dump.rdb",
                                              fix: "use REDIS_RESTORE_METHOD=replication (the default, it rewrites the AOF), or turn AOF off"))
            case .file:
                findings.append(DoctorFinding("redis", "persistence", .ok,
                                              "\(persistence): a file restore (REDIS_RESTORE_METHOD=file) replaces dump.rdb with the container stopped"))
            }
        } else {
            findings.append(DoctorFinding("redis", "persistence", .notChecked, "CONFIG GET is refused (renamed, or not allowed for \(health.user)): persistence and maxmemory unknown"))
        }

        if let limit = health.maxMemory, limit > 0 {
            let snapshot = context.newestArtifact(.redis)?.rawBytes ?? 0
            let need = max(snapshot, health.usedMemory ?? 0)
            let status: DoctorFinding.Status = limit < need ? .warn : .ok
            findings.append(DoctorFinding("redis", "maxmemory", status,
                                          "maxmemory \(ByteCount.describe(limit)) (\(health.maxMemoryPolicy ?? "?")); in use \(ByteCount.describe(health.usedMemory ?? 0)); the newest snapshot is \(ByteCount.describe(snapshot)) as RDB (more in memory)",
                                          fix: "raise maxmemory above the data's size, or a restore is refused (noeviction) or evicts keys"))
        }
        return findings
    }
}
