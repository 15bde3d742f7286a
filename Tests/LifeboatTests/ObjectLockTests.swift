import Foundation
import LifeboatConfiguration
import LifeboatCore
import Storage
import Testing
import TestSupport

/// S3 Object Lock against moto: every object of a set is written locked for
/// the tier's retention; with the backup's own credentials no version can
/// be deleted and an overwrite leaves the original; prune keeps a set its
/// lock still holds and says until when.
@Suite(.serialized) struct ObjectLockTests {
    @Test func aLockedSetOutlivesItsOwnCredentialsAndPrune() throws {
        guard let server = try TestServers.s3() else { return }
        let dir = TemporaryDirectory()
        let bucket = TestServers.uniqueBucket("lock")
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        let probe = FileManager.default.currentDirectoryPath + "/Tests/tools/s3_lock_probe.py"
        let created = try ProcessRunner.run(python, [probe, server.endpoint, server.accessKeyID, server.secretAccessKey, "create", bucket])
        #expect(created.status == 0, "\(created.output)")
        TreeBuilder.write(dir.sub("etc/app.conf"), "setting=1\n")
        func settings(_ days: String) throws -> Settings {
            try LoadedConfiguration.load(environment: [
                "BACKUP_DIR": dir.sub("backup"), "CONFIG_PATHS": dir.sub("etc/app.conf"), "AWS_S3_BUCKET": bucket + "/prod",
                "AWS_ENDPOINT_URL": server.endpoint, "AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey,
                "S3_OBJECT_LOCK": "governance", "S3_RETENTION_DAYS": days,
            ]).validSettings()
        }
        let manifest = try BackupJob(settings: try settings("5"), console: .silent).run(components: nil)

        let attack = try ProcessRunner.run(python, [probe, server.endpoint, server.accessKeyID, server.secretAccessKey, "attack", bucket, "prod/\(manifest.id)/"])
        #expect(attack.status == 0, "\(attack.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(attack.stdout.utf8)) as? [String: Any])
        let objects = try #require(report["objects"] as? [String: [String: Any]])
        #expect(objects.count == 2, "the config artifact and the manifest: \(objects.keys.sorted())")
        for (key, object) in objects {
            #expect(object["mode"] as? String == "GOVERNANCE", "\(key): \(object)")
            #expect(object["deleteRefused"] as? Bool == true, "\(key) could be deleted with the backup's own credentials")
            let until = try #require((object["until"] as? String).flatMap { ISO8601DateFormatter().date(from: String($0.prefix(19)) + "Z") })
            #expect(abs(until.timeIntervalSinceNow - 5 * 86_400) < 3600, "\(key) locked until \(until)")
        }
        #expect(report["manifestSurvived"] as? Bool == true, "an overwrite replaced the original manifest")

        // Retention shortened to 1 day, a newer set, two days on: prune
        // would delete the first set, but its lock holds it three more days.
        Thread.sleep(forTimeInterval: 1.1)
        _ = try BackupJob(settings: try settings("5"), console: .silent).run(components: nil)
        let tiers = try Tiers(try settings("1"))
        let later = Date().addingTimeInterval(2 * 86_400)
        let pruner = try Pruner(settings: try settings("1"), tiers: [tiers.s3!], console: .silent, now: { later })
        let plan = try pruner.run(dryRun: false)
        let decision = try #require(plan.decisions.first { $0.id == manifest.id })
        #expect(decision.action == .keep && decision.reason.contains("Object Lock holds it until"), "\(decision)")
        #expect(try SetCatalog(tier: tiers.s3!).list().complete.map(\.id).first == manifest.id)
    }

    /// Once no lock holds a set, prune removes every version of it (and
    /// the delete markers), so a versioned bucket stops billing for it.
    @Test func pruneRemovesEveryVersionOnceNoLockHoldsASet() throws {
        guard let server = try TestServers.s3() else { return }
        let dir = TemporaryDirectory()
        let bucket = TestServers.uniqueBucket("unlock")
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        let probe = FileManager.default.currentDirectoryPath + "/Tests/tools/s3_lock_probe.py"
        #expect(try ProcessRunner.run(python, [probe, server.endpoint, server.accessKeyID, server.secretAccessKey, "create", bucket]).status == 0)
        TreeBuilder.write(dir.sub("etc/app.conf"), "setting=1\n")
        func settings(_ lock: String) throws -> Settings {
            try LoadedConfiguration.load(environment: [
                "BACKUP_DIR": dir.sub("backup"), "CONFIG_PATHS": dir.sub("etc/app.conf"), "AWS_S3_BUCKET": bucket,
                "AWS_ENDPOINT_URL": server.endpoint, "AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey,
                "S3_OBJECT_LOCK": lock, "S3_RETENTION_DAYS": "1",
            ]).validSettings()
        }
        // Written without a lock (as before S3_OBJECT_LOCK was set), twice: the first set ages out.
        let old = try BackupJob(settings: try settings("off"), console: .silent).run(components: nil)
        Thread.sleep(forTimeInterval: 1.1)
        _ = try BackupJob(settings: try settings("off"), console: .silent).run(components: nil)
        let locked = try settings("governance")
        let later = Date().addingTimeInterval(3 * 86_400)
        let plan = try Pruner(settings: locked, tiers: [try Tiers(locked).s3!], console: .silent, now: { later }).run(dryRun: false)
        #expect(plan.deletions.map(\.id) == [old.id], "\(plan.decisions)")
        let left = try ProcessRunner.run(python, [probe, server.endpoint, server.accessKeyID, server.secretAccessKey, "versions", bucket, "\(old.id)/"])
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "versions or markers left: \(left.output)")
    }
}
