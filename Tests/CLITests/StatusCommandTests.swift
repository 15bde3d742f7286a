import Foundation
import Testing
import TestSupport

/// `lifeboat status`: exit 0 only when all is well, the reason first
/// otherwise, in every state an operator meets: nothing backed up yet, all
/// backed up, a source down, an interrupted set left behind.
@Suite struct StatusCommandTests {
    struct Status: Decodable {
        struct Component: Decodable {
            struct Source: Decodable { let enabled: Bool; let reachable: Bool? }
            struct Last: Decodable { let set: String; let tiers: [String]; let verification: String; let verificationDepth: String? }
            let component: String; let source: Source; let lastBackup: Last?; let nextRun: String?
        }
        struct Tier: Decodable { let name: String; let sets: Int; let reachable: Bool; let nextPruneRemoves: [String]? }
        struct PointInTime: Decodable { let chains: [Chain] }
        struct Chain: Decodable { let base: String }
        let schema: String; let attention: [String]; let components: [Component]; let tiers: [Tier]; let pointInTime: PointInTime?
    }

    @Test func statusSaysWhatNeedsAttentionFirstAndExitsOneUntilAllIsWell() throws {
        guard let mongo = try TestServers.mongoURI() else { return }
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        try redis.cli(["SET", "k", "v"])
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "hello\n")
        let prefix = TestServers.uniquePrefix("status")
        let seeded = try ProcessRunner.run(FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python",
                                           ["-c", "import pymongo, sys; pymongo.MongoClient(sys.argv[1])[sys.argv[2] + 'shop'].users.insert_many([{'n': i} for i in range(50)])", mongo, prefix])
        #expect(seeded.status == 0, "\(seeded.output)")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "REDIS_URL": redis.url, "MONGO_URI": mongo]
        func status() throws -> (ProcessResult, Status?) {
            let text = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["status"], environment: env)
            let json = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["status", "--json"], environment: env)
            #expect(json.status == text.status, "text and JSON disagree: \(text.output) / \(json.output)")
            return (text, try? JSONDecoder().decode(Status.self, from: Data(json.stdout.utf8)))
        }

        // Nothing backed up yet.
        let (fresh, freshStatus) = try status()
        #expect(fresh.status == 1, "\(fresh.output)")
        #expect(fresh.stdout.hasPrefix("NEEDS ATTENTION: no backup has succeeded"), "\(fresh.stdout)")
        #expect(freshStatus?.schema == "lifeboat.status/1")
        #expect(freshStatus?.components.first { $0.component == "config" }?.source.enabled == false)

        // Backed up, verified deep, in the local tier: all well.
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id, "--deep"], environment: env)
        #expect(verify.status == 0, "\(verify.output)")
        let (well, wellStatus) = try status()
        #expect(well.status == 0, "\(well.output)")
        #expect(well.stdout.hasPrefix("ALL WELL: "), "\(well.stdout)")
        #expect(well.stdout.split(separator: "\n").last == "status: all well")
        let redisRow = wellStatus?.components.first { $0.component == "redis" }
        #expect(redisRow?.lastBackup?.set == id && redisRow?.lastBackup?.verification == "passed" && redisRow?.lastBackup?.verificationDepth == "deep", "\(String(describing: redisRow))")
        #expect(redisRow?.nextRun != nil)
        #expect(wellStatus?.tiers.first { $0.name == "local" }?.sets == 1)
        #expect(wellStatus?.pointInTime?.chains.first?.base == id, "\(well.stdout)")
        #expect(well.stdout.contains("last deep verification: 20"), "\(well.stdout)")

        // An interrupted set left behind (kill -9 mid-backup leaves one).
        let interrupted = dir.sub("backup/20200101T000000Z-full-dead")
        TreeBuilder.write(interrupted + "/redis.rdb.zst", "partial")
        let (left, leftStatus) = try status()
        #expect(left.status == 1, "\(left.output)")
        #expect(leftStatus?.attention.first?.contains("interrupted set(s): 20200101T000000Z-full-dead") == true, "\(left.stdout)")
        try FileManager.default.removeItem(atPath: interrupted)

        // The Redis server goes away: the reason is first, and it names Redis.
        redis.kill()
        let (down, downStatus) = try status()
        #expect(down.status == 1, "\(down.output)")
        #expect(down.stdout.hasPrefix("NEEDS ATTENTION: redis: the source does not answer"), "\(down.stdout)")
        #expect(downStatus?.components.first { $0.component == "redis" }?.source.reachable == false)
    }
}
