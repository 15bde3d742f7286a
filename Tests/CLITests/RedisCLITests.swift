import Foundation
import Testing
import TestSupport

/// The redis component through the binary: backup, verify, restore online.
@Suite struct RedisCLITests {
    @Test func backupVerifyAndOnlineRestore() throws {
        guard try Skips.require(RedisProcess.available, "redis-server (apt install redis-server)") else { return }
        let source = try RedisProcess()
        _ = try source.cli(["EVAL", "for i = 1, 20000 do redis.call('HSET', 'h:' .. i, 'f', i) ; if i % 4 == 0 then redis.call('EXPIRE', 'h:' .. i, 7200) end end return 1", "0"])
        let target = try RedisProcess()
        try target.cli(["SET", "existing", "1"])
        let dir = TemporaryDirectory()
        let binary = ProcessRunner.lifeboatBinary
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": source.url]

        let backup = try ProcessRunner.run(binary, ["backup", "--components", "redis"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"rdbVersion\""))
        #expect(manifest.contains("\"db0\" : 20000"))
        // The artifact is a plain RDB under zstd: stock tools check it.
        let check = try ProcessRunner.shell("zstd -dc '\(dir.sub("backup/\(id)/redis.rdb.zst"))' > '\(dir.sub("dump.rdb"))' && redis-check-rdb '\(dir.sub("dump.rdb"))'")
        #expect(check.status == 0, "\(check.output)")

        let verify = try ProcessRunner.run(binary, ["verify", id], environment: env)
        #expect(verify.status == 0, "\(verify.output)")

        var restoreEnv = env
        restoreEnv["REDIS_URL"] = target.url
        let refused = try ProcessRunner.run(binary, ["restore", id, "--components", "redis"], environment: restoreEnv)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.stderr.contains("--overwrite"))
        #expect(try target.cli(["GET", "existing"]) == "1")

        let restore = try ProcessRunner.run(binary, ["restore", id, "--components", "redis", "--overwrite"], environment: restoreEnv)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try target.cli(["DEBUG", "DIGEST"]) == source.cli(["DEBUG", "DIGEST"]))

        // A corrupted artifact is refused before Redis is touched.
        let artifact = dir.sub("backup/\(id)/redis.rdb.zst")
        var data = try Data(contentsOf: URL(fileURLWithPath: artifact))
        data[data.count / 2] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: artifact))
        try target.cli(["SET", "after", "2"])
        let corrupt = try ProcessRunner.run(binary, ["restore", id, "--components", "redis", "--overwrite"], environment: restoreEnv)
        #expect(corrupt.status == 3, "\(corrupt.output)")
        #expect(try target.cli(["GET", "after"]) == "2")
    }
    /// gzip is compressed in parallel as independent members (as pigz):
    /// `gzip -dc` gives the RDB that redis-check-rdb accepts, and it restores.
    @Test func gzipInMembersIsAStockRDB() throws {
        guard try Skips.require(RedisProcess.available, "redis-server (apt install redis-server)") else { return }
        let source = try RedisProcess()
        // ~5 MB of RDB: several 2 MiB members (cut by raw bytes).
        _ = try source.cli(["EVAL", "for i = 1, 5000 do local v = {} for j = 1, 25 do v[j] = redis.sha1hex(i .. ':' .. j) end redis.call('SET', 'k:' .. i, table.concat(v)) end return 1", "0"])
        let target = try RedisProcess()
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": source.url, "BACKUP_COMPRESSION": "gzip"]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--components", "redis"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let artifact = dir.sub("backup/\(id)/redis.rdb.gz")
        #expect(try GzipMembers.count(artifact) >= 2)
        let check = try ProcessRunner.shell("gzip -dc '\(artifact)' > '\(dir.sub("dump.rdb"))' && redis-check-rdb '\(dir.sub("dump.rdb"))'")
        #expect(check.status == 0, "\(check.output)")
        var restoreEnv = env
        restoreEnv["REDIS_URL"] = target.url
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "redis"], environment: restoreEnv)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try target.cli(["DEBUG", "DIGEST"]) == source.cli(["DEBUG", "DIGEST"]))
    }
}
