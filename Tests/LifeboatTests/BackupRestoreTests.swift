import ByteStreams
import LifeboatConfiguration
import FileSources
import Foundation
import LifeboatCore
import Storage
import Testing
import TestSupport

/// The use cases on the real filesystem: backup, list, verify, restore, prune.
@Suite struct BackupRestoreTests {
    final class Stack {
        let dir = TemporaryDirectory()
        var settings: Settings

        init(compression: CompressionAlgorithm = .zstd) {
            TreeBuilder.awkwardTree(at: dir.sub("uploads"))
            TreeBuilder.write(dir.sub("app/.env.production"), "DB_PASSWORD=secret\n", mode: 0o600)
            TreeBuilder.write(dir.sub("nginx/nginx.conf"), "events {}\n")
            settings = Settings(backupDirectory: dir.sub("backup"), uploadsDirectory: dir.sub("uploads"),
                                configPaths: [dir.sub("app/.env.production"), dir.sub("nginx/nginx.conf")],
                                compression: Compression(algorithm: compression))
        }

        func backup(at date: Date? = nil, _ components: [Component]? = nil) throws -> Manifest {
            let fixed = date
            let now: @Sendable () -> Date = { fixed ?? Date() }
            return try BackupJob(settings: settings, console: .silent, now: now).run(components: components)
        }

        func restore(_ reference: String? = nil, _ options: RestoreJob.Options) throws -> RestoreJob.Outcome {
            try RestoreJob(settings: settings, console: .silent).run(reference, options: options)
        }

        var catalog: SetCatalog { SetCatalog(localTierOf: settings) }
        var tier: LocalTier { LocalTier(root: settings.backupDirectory) }

        func artifactPath(_ manifest: Manifest, _ component: Component) -> String {
            settings.backupDirectory + "/\(manifest.id)/" + manifest.artifact(component)!.file
        }

        func verify(_ manifest: Manifest) throws -> Verifier.Report {
            try Verifier(tier: tier, console: .silent).verify(manifest)
        }
    }

    @Test(arguments: CompressionAlgorithm.allCases)
    func backupVerifyRestoreRoundTrip(compression: CompressionAlgorithm) throws {
        let stack = Stack(compression: compression)
        let manifest = try stack.backup()
        #expect(manifest.components == [.files, .config])
        #expect(manifest.artifact(.files)?.file == "files.tar" + compression.fileSuffix)
        let listing = try stack.catalog.list()
        #expect(listing.complete.map(\.id) == [manifest.id])
        #expect(listing.complete[0].verificationState == .unverified)

        let report = try stack.verify(manifest)
        #expect(report.passed, "\(report.problems)")
        #expect(try stack.catalog.list().complete[0].verificationState == .passed)

        let outcome = try stack.restore(nil, .init(destination: stack.dir.sub("restored")))
        #expect(outcome.id == manifest.id)
        let differences = TreeSnapshot(of: stack.dir.sub("uploads")).differences(from: TreeSnapshot(of: stack.dir.sub("restored/files")))
        #expect(differences.isEmpty, "\(differences)")
        let env = stack.dir.sub("restored/config") + stack.dir.sub("app/.env.production")
        #expect(FileManager.default.contents(atPath: env) == Data("DB_PASSWORD=secret\n".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: env)[.posixPermissions] as? Int == 0o600)
    }

    @Test func manifestRecordsWhatTheIssueAsks() throws {
        let stack = Stack()
        let manifest = try stack.backup()
        let bytes = try stack.tier.get(key: "\(manifest.id)/manifest.json")
        let json = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        for key in ["formatVersion", "tool", "id", "kind", "startedAt", "finishedAt", "host", "artifacts"] {
            #expect(json[key] != nil, "manifest lacks \(key)")
        }
        let artifact = (json["artifacts"] as! [[String: Any]])[0]
        for key in ["component", "file", "rawBytes", "storedBytes", "compression", "sha256", "tree"] {
            #expect(artifact[key] != nil, "artifact lacks \(key)")
        }
        // The stored digest is the digest of the file as it lies on disk.
        let digest = try ProcessRunner.shell("sha256sum '\(stack.artifactPath(manifest, .files))'").stdout.prefix(64)
        #expect(String(digest) == manifest.artifact(.files)!.sha256)
        #expect(manifest.artifact(.files)!.rawBytes > manifest.artifact(.files)!.tree!.bytes)
    }

    @Test func aFlippedByteFailsVerifyAndRestoreChangesNothing() throws {
        let stack = Stack()
        let manifest = try stack.backup()
        let path = stack.artifactPath(manifest, .files)
        let handle = FileHandle(forUpdatingAtPath: path)!
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: [byte ^ 0x01])
        try handle.close()

        let report = try stack.verify(manifest)
        #expect(!report.passed)
        #expect(report.problems.joined().contains("SHA-256 mismatch"))
        #expect(try stack.catalog.list().complete[0].verificationState == .failed)

        // Refused by id (the record says failed) and with nothing written.
        let before = TreeSnapshot(of: stack.dir.sub("uploads"))
        do {
            _ = try stack.restore(manifest.id.rawValue, .init(components: [.files], overwrite: true))
            Issue.record("a corrupt set was restored")
        } catch let error as LifeboatError {
            #expect(error.status == .verificationFailed)
        }
        #expect(TreeSnapshot(of: stack.dir.sub("uploads")) == before)
    }

    @Test func restoreCatchesCorruptionEvenWithoutAVerifyRecord() throws {
        let stack = Stack()
        let manifest = try stack.backup()
        let path = stack.artifactPath(manifest, .files)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 40] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: path))

        let before = TreeSnapshot(of: stack.dir.sub("uploads"))
        do {
            _ = try stack.restore(nil, .init(components: [.files], overwrite: true))
            Issue.record("a corrupt set was restored")
        } catch let error as LifeboatError {
            #expect(error.status == .verificationFailed, "\(error)")
            #expect(error.message.contains("nothing was changed"))
        }
        #expect(TreeSnapshot(of: stack.dir.sub("uploads")) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: stack.dir.path).filter { $0.contains("lifeboat-staging") }
        #expect(leftovers.isEmpty)
    }

    @Test func truncatedAndMissingArtifactsFailVerify() throws {
        let stack = Stack()
        let manifest = try stack.backup()
        truncate(stack.artifactPath(manifest, .files), 1000)
        unlink(stack.artifactPath(manifest, .config))
        let report = try stack.verify(manifest)
        #expect(!report.passed)
        let problems = report.problems.joined(separator: "\n")
        #expect(problems.contains("size mismatch"))
        #expect(problems.contains("missing from the local tier"))
    }

    @Test func incompleteSetsAreHiddenAndRemovedByTheNextBackup() throws {
        let stack = Stack()
        let good = try stack.backup()
        // What a kill -9 mid-backup leaves: a set folder without a manifest.
        let partial = stack.settings.backupDirectory + "/20260101T000000Z-full-dead"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        TreeBuilder.write(partial + "/.lifeboat-tmp-files.tar.zst.123", "partial")
        TreeBuilder.write(partial + "/config.tar.zst", "committed artifact, no manifest yet")
        let listing = try stack.catalog.list()
        #expect(listing.complete.map(\.id) == [good.id])
        #expect(listing.incomplete.map(\.rawValue) == ["20260101T000000Z-full-dead"])
        #expect(throws: LifeboatError.self) { _ = try stack.catalog.resolve("20260101T000000Z-full-dead") }

        _ = try stack.backup()
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(try stack.catalog.list().complete.count == 2)
    }

    @Test func restoreIntoLiveFoldersNeedsOverwriteAndKeepsThePrevious() throws {
        let stack = Stack()
        _ = try stack.backup()
        TreeBuilder.write(stack.dir.sub("uploads/new-after-backup.txt"), "newer")
        TreeBuilder.write(stack.dir.sub("app/.env.production"), "DB_PASSWORD=changed\n", mode: 0o644)

        do {
            _ = try stack.restore(nil, .init())
            Issue.record("restore replaced live data without --overwrite")
        } catch let error as LifeboatError {
            #expect(error.status == .usage)
            #expect(error.description.contains("--overwrite"))
        }
        #expect(FileManager.default.fileExists(atPath: stack.dir.sub("uploads/new-after-backup.txt")))

        let outcome = try stack.restore(nil, .init(overwrite: true))
        #expect(!FileManager.default.fileExists(atPath: stack.dir.sub("uploads/new-after-backup.txt")))
        #expect(outcome.keptPrevious.count == 1)
        #expect(FileManager.default.fileExists(atPath: outcome.keptPrevious[0] + "/new-after-backup.txt"))
        let env = stack.dir.sub("app/.env.production")
        #expect(FileManager.default.contents(atPath: env) == Data("DB_PASSWORD=secret\n".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: env)[.posixPermissions] as? Int == 0o600)
    }

    @Test func configConflictsAreListedBeforeAnythingChanges() throws {
        let stack = Stack()
        _ = try stack.backup(at: nil, [.config])
        do {
            _ = try stack.restore(nil, .init())
            Issue.record("config restore replaced files without --overwrite")
        } catch let error as LifeboatError {
            #expect(error.message.contains(".env.production"))
        }
    }

    @Test func pruneKeepsTheNewestVerifiedSetAndRespectsRetention() throws {
        let stack = Stack()
        stack.settings.retentionDays = 7
        let day: TimeInterval = 86_400
        let start = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01
        let sets = try [0.0, 10, 20, 30].map { try stack.backup(at: start.addingTimeInterval($0 * day)) }
        // Only the day-10 set is verified; the newer ones never were.
        #expect(try stack.verify(sets[1]).passed)

        let pruner = try Pruner(settings: stack.settings, console: .silent, now: { start.addingTimeInterval(31 * day) })
        let plan = try pruner.run(dryRun: true)
        #expect(plan.deletions.map(\.id) == [sets[0].id, sets[2].id])
        #expect(try stack.catalog.list().complete.count == 4, "dry run deleted something")

        _ = try pruner.run(dryRun: false)
        let left = try stack.catalog.list().complete.map(\.id)
        #expect(left == [sets[1].id, sets[3].id])
    }

    @Test func aSecondBackupIsRefusedWhileTheLockIsHeld() throws {
        let stack = Stack()
        try FileManager.default.createDirectory(atPath: stack.settings.backupDirectory, withIntermediateDirectories: true)
        let lock = try BackupLock(directory: stack.settings.backupDirectory, purpose: "test holder")
        defer { withExtendedLifetime(lock) {} }
        do {
            _ = try stack.backup()
            Issue.record("two backups ran at once")
        } catch let error as LifeboatError {
            #expect(error.status == .busy)
            #expect(error.message.contains("pid \(getpid())"))
            #expect(error.message.contains("test holder"))
        }
    }

    @Test func nothingConfiguredIsAUsageError() throws {
        let dir = TemporaryDirectory()
        let job = BackupJob(settings: Settings(backupDirectory: dir.path), console: .silent)
        do {
            _ = try job.run(components: nil)
            Issue.record("an empty backup ran")
        } catch let error as LifeboatError {
            #expect(error.status == .usage)
            #expect(error.description.contains("UPLOADS_DIR"))
        }
    }
}
