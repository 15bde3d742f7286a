import ByteStreams
import Foundation
import RedisSource
import Testing
import TestSupport

/// Redis snapshots over the replication protocol, against real redis-server processes.
@Suite struct RedisSourceTests {
    static func seeded(_ keys: Int = 100_000, arguments: [String] = []) throws -> RedisProcess? {
        guard try Skips.require(RedisProcess.available, "redis-server (apt install redis-server)") else { return nil }
        let redis = try RedisProcess(arguments: arguments)
        _ = try redis.cli(["EVAL", RedisData.seedScript, "0", String(keys)])
        return redis
    }

    static func snapshot(_ redis: RedisProcess, to path: String) throws -> RedisSummary {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        return try RedisSnapshotter(endpoint: RedisEndpoint(url: redis.url), warn: { print("snapshot warning: \($0)") }).snapshot(into: FileDescriptorSink(fd: fd, path: path))
    }

    @Test(arguments: ["yes", "no"])
    func snapshotLoadsIntoAFreshServerIdentically(diskless: String) throws {
        guard let source = try Self.seeded() else { return }
        try source.cli(["CONFIG", "SET", "repl-diskless-sync", diskless])
        let target = TemporaryDirectory()
        let summary = try Self.snapshot(source, to: target.sub("dump.rdb"))
        #expect(summary.method == (diskless == "yes" ? "sync-diskless" : "sync-disk"))
        #expect(summary.totalKeys == 100_000)
        #expect(summary.expiringKeys == 10_000)
        #expect(summary.keysMeasured, "the keys are counted in the snapshot itself")
        #expect(summary.rdbVersion >= 9)
        let check = try ProcessRunner.run("/usr/bin/redis-check-rdb", [target.sub("dump.rdb")])
        #expect(check.status == 0, "\(check.output)")

        // A fresh server loads it: same dataset digest, size and TTLs.
        let fresh = try RedisProcess(arguments: ["--dir", target.path, "--dbfilename", "dump.rdb"])
        #expect(try fresh.cli(["DBSIZE"]) == "100000")
        #expect(try fresh.cli(["DEBUG", "DIGEST"]) == source.cli(["DEBUG", "DIGEST"]))
        for i in stride(from: 10, through: 100_000, by: 9_990) {
            let key = ["str:", "hash:", "list:", "set:", "zset:", "stream:"][i % 6] + String(i)
            // The absolute expiry, not the time left: under load, seconds
            // can pass between the two reads of a relative TTL.
            let want = Int(try source.cli(["PEXPIRETIME", key]))!
            let have = Int(try fresh.cli(["PEXPIRETIME", key]))!
            #expect(want == have, "\(key): expires at \(want) vs \(have)")
        }
    }

    /// The key counter walks every record form Redis writes: several
    /// databases, big (hashtable, quicklist, skiplist) and small (listpack,
    /// intset) encodings, LZF-compressed and integer strings, streams with
    /// consumer groups and pending entries, functions; and agrees with
    /// DBSIZE per database.
    @Test func snapshotCountsItsOwnKeysInEveryDatabaseAndEncoding() throws {
        guard try Skips.require(RedisProcess.available, "redis-server (apt install redis-server)") else { return }
        let redis = try RedisProcess()
        let big = String(repeating: "lifeboat ", count: 400)
        _ = try redis.cli(["EVAL", """
            for db = 0, 3 do
              redis.call('SELECT', db)
              for i = 1, 300 * (db + 1) do
                redis.call('SET', 'int:' .. i, i)
                redis.call('SET', 'lzf:' .. i, ARGV[1] .. i)
              end
              for i = 1, 700 do
                redis.call('RPUSH', 'biglist', ARGV[1] .. i)
                redis.call('HSET', 'bighash', 'f' .. i, ARGV[1])
                redis.call('SADD', 'bigset', 'm' .. i)
                redis.call('SADD', 'intset', i)
                redis.call('ZADD', 'bigzset', i, 'z' .. i)
              end
              redis.call('HSET', 'smallhash', 'a', 1)
              redis.call('ZADD', 'smallzset', 1.5, 'x')
              for i = 1, 50 do redis.call('XADD', 'events', '*', 'n', i) end
              redis.call('XGROUP', 'CREATE', 'events', 'workers', '0')
              redis.call('XREADGROUP', 'GROUP', 'workers', 'alice', 'COUNT', 10, 'STREAMS', 'events', '>')
              redis.call('XREADGROUP', 'GROUP', 'workers', 'bob', 'COUNT', 5, 'STREAMS', 'events', '>')
              redis.call('SET', 'ttl', 'x', 'EX', 3600)
            end
            redis.call('SELECT', 0)
            return 1
            """, "0", big])
        _ = try? redis.cli(["FUNCTION", "LOAD", "#!lua name=lifeboattest\nredis.register_function('noop', function() return 1 end)"])
        let dir = TemporaryDirectory()
        let summary = try Self.snapshot(redis, to: dir.sub("dump.rdb"))
        #expect(summary.keysMeasured)
        for db in 0...3 {
            let size = Int(try redis.cli(["-n", String(db), "DBSIZE"]))!
            #expect(summary.keysPerDatabase["db\(db)"] == size, "db\(db)")
        }
        #expect(summary.expiringKeys == 4)

        // The same counts from the file, fed in awkward pieces.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.sub("dump.rdb"))))
        for piece in [1, 7, 4096, 65536, 1 << 20] {
            var validator = RDBValidator()
            var at = 0
            while at < bytes.count {
                let end = min(at + piece, bytes.count)
                bytes[at..<end].withUnsafeBytes { validator.update($0) }
                at = end
            }
            _ = try validator.finish()
            #expect((try? validator.keyCounts.get())?.keysPerDatabase == summary.keysPerDatabase, "pieces of \(piece): \(validator.keyCounts)")
        }
        // A truncated file is no count at all.
        var truncated = RDBValidator()
        bytes.prefix(bytes.count / 2).withUnsafeBytes { truncated.update($0) }
        #expect((try? truncated.keyCounts.get()) == nil)
    }

    /// The online restore: the target replicates from Lifeboat, loads the
    /// snapshot, and is promoted back; with AOF on, the AOF is rewritten so
    /// the data survives a restart.
    @Test(arguments: ["no", "yes"])
    func onlineRestoreReplacesTheDataWithoutARestart(appendOnly: String) throws {
        guard let source = try Self.seeded() else { return }
        let dir = TemporaryDirectory()
        let summary = try Self.snapshot(source, to: dir.sub("dump.rdb"))
        let target = try RedisProcess(arguments: ["--appendonly", appendOnly])
        try target.cli(["SET", "stale", "x"])

        let restorer = RedisReplicationRestorer(endpoint: try RedisEndpoint(url: target.url))
        do {
            _ = try restorer.restore(from: FileDescriptorSource(path: dir.sub("dump.rdb")), length: summary.bytes, expected: summary, overwrite: false)
            Issue.record("a restore replaced existing keys without --overwrite")
        } catch let error as RedisSourceError {
            #expect(error.kind == .targetNotEmpty)
            #expect(error.message.contains("holds 1 keys"))
        }
        #expect(try target.cli(["GET", "stale"]) == "x")

        let outcome = try restorer.restore(from: FileDescriptorSource(path: dir.sub("dump.rdb")), length: summary.bytes,
                                           expected: summary, overwrite: true)
        #expect(outcome.keys == 100_000)
        #expect(try target.cli(["DEBUG", "DIGEST"]) == source.cli(["DEBUG", "DIGEST"]))
        #expect(try target.cli(["INFO", "replication"]).contains("role:master"))
        #expect(try target.cli(["GET", "stale"]).isEmpty)
        if appendOnly == "yes" {
            // The AOF holds the restored data: a restart from it gives the same digest.
            for _ in 0..<100 where try target.cli(["INFO", "persistence"]).contains("aof_rewrite_in_progress:1") {
                Thread.sleep(forTimeInterval: 0.1)
            }
            let digest = try target.cli(["DEBUG", "DIGEST"])
            try target.cli(["DEBUG", "LOADAOF"])
            #expect(try target.cli(["DEBUG", "DIGEST"]) == digest)
        }
    }

    @Test func theDisklessDelayIsWaitedOutThroughKeepAlives() throws {
        guard let source = try Self.seeded(1_000, arguments: ["--repl-diskless-sync-delay", "2"]) else { return }
        let dir = TemporaryDirectory()
        let summary = try Self.snapshot(source, to: dir.sub("dump.rdb"))
        #expect(summary.totalKeys == 1_000)
    }

    @Test func credentialsAreUsedAndWrongOnesNamed() throws {
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess(arguments: ["--requirepass", "s3cret"])
        try redis.cli(["ACL", "SETUSER", "backup", "on", ">b4ckup", "+@all", "~*"], password: "s3cret")
        let dir = TemporaryDirectory()
        let sink = FileDescriptorSink(fd: open(dir.sub("a"), O_WRONLY | O_CREAT, 0o600), path: dir.sub("a"))
        _ = try RedisSnapshotter(endpoint: RedisEndpoint(url: "redis://:s3cret@127.0.0.1:\(redis.port)/")).snapshot(into: sink)
        _ = try RedisSnapshotter(endpoint: RedisEndpoint(url: "redis://backup:b4ckup@127.0.0.1:\(redis.port)/")).snapshot(into: sink)
        do {
            _ = try RedisSnapshotter(endpoint: RedisEndpoint(url: "redis://:wrong@127.0.0.1:\(redis.port)/")).snapshot(into: sink)
            Issue.record("a wrong password was accepted")
        } catch let error as RedisSourceError {
            #expect(error.kind == .authentication, "\(error)")
            #expect(!error.description.contains("wrong"))
        }
        do {
            _ = try RedisSnapshotter(endpoint: RedisEndpoint(url: "redis://127.0.0.1:1/")).snapshot(into: sink)
            Issue.record("an unreachable server gave a snapshot")
        } catch let error as RedisSourceError {
            #expect(error.kind == .unreachable, "\(error)")
        }
    }

    @Test func aRenamedSyncIsReportedAsRefused() throws {
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess(arguments: ["--rename-command", "SYNC", ""])
        let dir = TemporaryDirectory()
        do {
            _ = try Self.snapshot(redis, to: dir.sub("x"))
            Issue.record("SYNC worked although renamed")
        } catch let error as RedisSourceError {
            #expect(error.kind == .refused, "\(error)")
        }
    }

    @Test func aServerKilledDuringTheSnapshotFailsClearly() throws {
        guard let source = try Self.seeded(300_000) else { return }
        try source.cli(["CONFIG", "SET", "repl-diskless-sync", "no"])
        let dir = TemporaryDirectory()
        let path = dir.sub("dump.rdb")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        // Kill the server once the first bytes have arrived.
        let killer = KillAfterBytes(sink: FileDescriptorSink(fd: fd, path: path), after: 64 << 10) { source.kill() }
        do {
            _ = try RedisSnapshotter(endpoint: RedisEndpoint(url: source.url)).snapshot(into: killer)
            Issue.record("a snapshot from a killed server was accepted")
        } catch let error as RedisSourceError {
            #expect(error.kind == .data || error.kind == .unreachable, "\(error)")
        }
    }

    @Test func theValidatorCatchesDamage() throws {
        guard let source = try Self.seeded(2_000) else { return }
        let dir = TemporaryDirectory()
        _ = try Self.snapshot(source, to: dir.sub("good.rdb"))
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.sub("good.rdb"))))
        func validate(_ bytes: [UInt8]) throws -> Int {
            var validator = RDBValidator()
            for start in stride(from: 0, to: bytes.count, by: 777) {
                bytes[start..<min(start + 777, bytes.count)].withUnsafeBytes { validator.update($0) }
            }
            return try validator.finish()
        }
        #expect(try validate(good) >= 9)
        var flipped = good
        flipped[good.count / 2] ^= 0x01
        #expect(throws: RDBValidator.Failure.self) { _ = try validate(flipped) }
        #expect(throws: RDBValidator.Failure.self) { _ = try validate(Array(good.dropLast(100))) }
        #expect(throws: RDBValidator.Failure.self) { _ = try validate(Array("NOTREDIS".utf8) + good.dropFirst(8)) }
        #expect(RDBValidator.crc64(Array("123456789".utf8)) == 0xE9C6_D914_C4B8_D9CA)
    }
}

/// Passes bytes on, and runs `action` once `after` bytes went through.
final class KillAfterBytes: ByteSink {
    private let sink: any ByteSink
    private var remaining: Int
    private let action: () -> Void
    init(sink: any ByteSink, after: Int, action: @escaping () -> Void) {
        self.sink = sink
        self.remaining = after
        self.action = action
    }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        if remaining > 0 {
            remaining -= bytes.count
            if remaining <= 0 { action() }
        }
    }
}
