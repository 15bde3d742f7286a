import Foundation
import Testing
import TestSupport

/// The guide's Redis restore, automated through the Docker engine: the
/// Redis container is stopped, its RDB replaced, started, and checked.
@Suite(.serialized) struct RedisDockerTests {
    func docker(_ host: String, _ method: String, _ path: String, _ body: String? = nil) throws -> String {
        let socket = String(host.dropFirst("unix://".count))
        var command = "curl -s --unix-socket '\(socket)' -X \(method) 'http://localhost/v1.41\(path)'"
        if let body { command += " -H 'Content-Type: application/json' -d '\(body)'" }
        return try ProcessRunner.shell(command).stdout
    }

    /// A Redis container of a Compose project; returns its port.
    func redisContainer(_ host: String, project: String, extra: [String] = [], bind: String? = nil) throws -> Int {
        let port = RedisProcess.freePort()
        let command = (["/usr/bin/redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", "/data", "--save", "",
                        "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"] + extra).map { "\"\($0)\"" }.joined(separator: ",")
        _ = try docker(host, "POST", "/containers/create?name=\(project)-redis",
                       #"{"Image": "\#(TestServers.redisImage)", "Cmd": [\#(command)], "Labels": {"com.docker.compose.project": "\#(project)", "com.docker.compose.service": "redis"}, "HostConfig": {"NetworkMode": "host"\#(bind.map { #", "Binds": ["\#($0):/data"]"# } ?? "")}}"#)
        _ = try docker(host, "POST", "/containers/\(project)-redis/start")
        for _ in 0..<100 where (try? ProcessRunner.run("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.stdout.contains("PONG") != true {
            Thread.sleep(forTimeInterval: 0.05)
        }
        return port
    }

    func cli(_ port: Int, _ arguments: [String]) throws -> String {
        try ProcessRunner.run("/usr/bin/redis-cli", ["-p", String(port)] + arguments).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func fileRestoreThroughTheEngine() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let tag = UInt16.random(in: 0...UInt16.max)
        let (old, new, aof) = ("lbo\(tag)", "lbn\(tag)", "lba\(tag)")
        defer { for p in [old, new, aof] { _ = try? docker(host, "DELETE", "/containers/\(p)-redis?force=1") } }
        let sourcePort = try redisContainer(host, project: old)
        _ = try cli(sourcePort, ["EVAL", "for i = 1, 100000 do if i % 2 == 0 then redis.call('SET', 's' .. i, i) else redis.call('SADD', 'z' .. (i % 1000), i) end if i % 7 == 0 then redis.call('EXPIRE', 's' .. (i - i % 2), 3600) end end return 1", "0"])
        let dir = TemporaryDirectory()
        let binary = ProcessRunner.lifeboatBinary
        let backup = try ProcessRunner.run(binary, ["backup", "--components", "redis"],
                                           environment: ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(sourcePort)/"])
        #expect(backup.status == 0, "\(backup.output)")

        let targetPort = try redisContainer(host, project: new)
        _ = try cli(targetPort, ["SET", "existing", "1"])
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(targetPort)/", "DOCKER_HOST": host,
                   "COMPOSE_PROJECT_NAME": new, "REDIS_RESTORE_METHOD": "file"]
        let refused = try ProcessRunner.run(binary, ["restore", "--components", "redis"], environment: env)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(try cli(targetPort, ["GET", "existing"]) == "1")

        var wrongProject = env
        wrongProject["COMPOSE_PROJECT_NAME"] = "lbnothing\(tag)"
        let notFound = try ProcessRunner.run(binary, ["restore", "--components", "redis", "--overwrite"], environment: wrongProject)
        #expect(notFound.status == 1)
        #expect(notFound.stderr.contains("no container of the Compose service 'redis'"), "\(notFound.stderr)")

        let restore = try ProcessRunner.run(binary, ["restore", "--components", "redis", "--overwrite"], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stderr.contains("from stop to loaded"), "\(restore.stderr)")
        #expect(try cli(targetPort, ["DEBUG", "DIGEST"]) == cli(sourcePort, ["DEBUG", "DIGEST"]))
        #expect(try cli(targetPort, ["GET", "existing"]).isEmpty)

        // With AOF on, the file method refuses (the AOF would win on start).
        let aofPort = try redisContainer(host, project: aof, extra: ["--appendonly", "yes"])
        var aofEnv = env
        aofEnv["COMPOSE_PROJECT_NAME"] = aof
        aofEnv["REDIS_URL"] = "redis://127.0.0.1:\(aofPort)/"
        let aofRefused = try ProcessRunner.run(binary, ["restore", "--components", "redis", "--overwrite"], environment: aofEnv)
        #expect(aofRefused.status == 64, "\(aofRefused.output)")
        #expect(aofRefused.stderr.contains("AOF"))
        // The online method handles it.
        let online = try ProcessRunner.run(binary, ["restore", "--components", "redis", "--overwrite", "--redis-method", "replication"], environment: aofEnv)
        #expect(online.status == 0, "\(online.output)")
        #expect(try cli(aofPort, ["DEBUG", "DIGEST"]) == cli(sourcePort, ["DEBUG", "DIGEST"]))
    }

    @Test func aRefusedSyncFallsBackToBGSAVEThroughTheEngine() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let project = "lbg\(UInt16.random(in: 0...UInt16.max))"
        defer { _ = try? docker(host, "DELETE", "/containers/\(project)-redis?force=1") }
        let port = try redisContainer(host, project: project, extra: ["--rename-command", "SYNC", "", "--rename-command", "PSYNC", ""])
        _ = try cli(port, ["EVAL", "for i = 1, 50000 do redis.call('SET', 'k' .. i, i) end return 1", "0"])
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(port)/", "DOCKER_HOST": host, "COMPOSE_PROJECT_NAME": project]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--components", "redis"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.stderr.contains("falling back to BGSAVE"), "\(backup.stderr)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"method\" : \"bgsave-docker\""))
        #expect(manifest.contains("\"db0\" : 50000"))
        let check = try ProcessRunner.shell("zstd -dc '\(dir.sub("backup/\(id)/redis.rdb.zst"))' > '\(dir.sub("d.rdb"))' && redis-check-rdb '\(dir.sub("d.rdb"))'")
        #expect(check.status == 0, "\(check.output)")
        #expect(try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id], environment: env).status == 0)
    }

    /// Every type and TTLs, from a container into a fresh container whose
    /// data folder is mounted here (REDIS_DATA_DIR): the file is written in
    /// place, no archive API.
    @Test func mixedTypesAndTTLsThroughAMountedDataFolder() throws {
        guard let host = try TestServers.dockerHost() else { return }
        let tag = UInt16.random(in: 0...UInt16.max)
        let (old, new) = ("lbm\(tag)", "lbd\(tag)")
        defer { for p in [old, new] { _ = try? docker(host, "DELETE", "/containers/\(p)-redis?force=1") } }
        let sourcePort = try redisContainer(host, project: old)
        _ = try cli(sourcePort, ["EVAL", RedisData.seedScript, "0", "100000"])
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("redis-data"), withIntermediateDirectories: true)
        let binary = ProcessRunner.lifeboatBinary
        let backup = try ProcessRunner.run(binary, ["backup", "--components", "redis"],
                                           environment: ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(sourcePort)/"])
        #expect(backup.status == 0, "\(backup.output)")

        let targetPort = try redisContainer(host, project: new, bind: dir.sub("redis-data"))
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(targetPort)/", "DOCKER_HOST": host,
                   "COMPOSE_PROJECT_NAME": new, "REDIS_RESTORE_METHOD": "file", "REDIS_DATA_DIR": dir.sub("redis-data")]
        let restore = try ProcessRunner.run(binary, ["restore", "--components", "redis"], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try cli(targetPort, ["DBSIZE"]) == "100000")
        #expect(try cli(targetPort, ["DEBUG", "DIGEST"]) == cli(sourcePort, ["DEBUG", "DIGEST"]))
        for key in RedisData.keysWithTTL(upTo: 100_000) {
            // The absolute expiry (a relative TTL shrinks between two reads).
            let want = Int(try cli(sourcePort, ["PEXPIRETIME", key])) ?? -9
            let have = Int(try cli(targetPort, ["PEXPIRETIME", key])) ?? -9
            #expect(want > 0 && want == have, "\(key): expires at \(want) vs \(have)")
        }
    }
}
