import Foundation
import LifeboatConfiguration
import LifeboatCore
import S3Storage
import Storage
import Testing
import TestSupport

/// A copy that failed is made at a later run: the service's second chance
/// for off-site copies, against moto (down, then back).
@Suite(.serialized) struct CatchUpCopiesTests {
    struct Setup {
        let dir = TemporaryDirectory()
        let bucket = TestServers.uniqueBucket("catchup")
        let server: TestServers.S3Server

        init(server: TestServers.S3Server) throws {
            self.server = server
            TreeBuilder.write(dir.sub("etc/app.conf"), "setting=1\n")
            try S3TierTests.tier(server, bucket: bucket).createBucket()
        }

        func settings(reachable: Bool, keepLocal: Bool = true) throws -> Settings {
            try LoadedConfiguration.load(environment: [
                "BACKUP_DIR": dir.sub("backup"), "CONFIG_PATHS": dir.sub("etc/app.conf"), "AWS_S3_BUCKET": bucket,
                "AWS_ENDPOINT_URL": reachable ? server.endpoint : "http://127.0.0.1:\(RedisProcess.freePort())",
                "AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey,
                "S3_MAX_ATTEMPTS": "1", "BACKUP_LOCAL": keepLocal ? "true" : "false",
            ]).validSettings()
        }

        var remote: S3Tier { get throws { try S3TierTests.tier(server, bucket: bucket) } }
    }

    @Test func aFailedCopyIsMadeAtTheNextRunAndTheLocalCopyGoesWhenNotKept() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let down = ScheduledBackup(settings: try setup.settings(reachable: false, keepLocal: false), console: .silent).run(kind: .full, label: "t", targets: nil)
        #expect(down.problems.map(\.stage) == [.copy], "\(down.problems.map(\.error.message))")
        let first = try #require(down.manifest)
        #expect(first.targets == ["s3"])
        #expect(FileManager.default.fileExists(atPath: setup.dir.sub("backup/\(first.id)/manifest.json")), "kept locally, the only copy")

        Thread.sleep(forTimeInterval: 1.1)
        let back = ScheduledBackup(settings: try setup.settings(reachable: true, keepLocal: false), console: .silent).run(kind: .full, label: "t", targets: nil)
        #expect(back.problems.isEmpty, "\(back.problems.map(\.error.message))")
        let remoteSets = try SetCatalog(tier: setup.remote).list().complete.map(\.id)
        #expect(remoteSets.contains(first.id) && remoteSets.count == 2, "\(remoteSets)")
        #expect(try Data(setup.remote.get(key: "\(first.id)/manifest.json")).count > 0)
        #expect(try SetCatalog(tier: LocalTier(root: setup.dir.sub("backup"))).list().complete.isEmpty,
                "BACKUP_LOCAL=false: no local copy once S3 holds both")
    }

    @Test func setsStillMissingAreCountedWithTheirAgeAndOnlyWhereTheyWereTakenFor() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let reachable = try setup.settings(reachable: true)
        _ = try? BackupJob(settings: try setup.settings(reachable: false), console: .silent).run(components: nil)
        let localOnly = try BackupJob(settings: reachable, console: .silent).run(components: nil, targets: ["local"])
        #expect(localOnly.targets == ["local"])

        var catchUp = CatchUpCopies(settings: reachable, console: .silent, now: { Date().addingTimeInterval(2 * 86_400) })
        catchUp.limit = 0
        let counted = catchUp.run()
        #expect(counted.copied.isEmpty && counted.failures.isEmpty)
        #expect(counted.missing.count == 1 && counted.missing[0].tier == "s3" && counted.missing[0].age > 86_400, "\(counted.missing)")
        #expect(!counted.missing.contains { $0.set == localOnly.id }, "a set taken for local only is not copied")

        let copied = CatchUpCopies(settings: reachable, console: .silent).run()
        #expect(copied.copied.count == 1 && copied.missing.isEmpty, "\(copied)")
        #expect(try SetCatalog(tier: setup.remote).list().complete.map(\.id) == [copied.copied[0].set])
    }
}
