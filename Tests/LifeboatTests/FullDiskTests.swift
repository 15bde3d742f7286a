import ByteStreams
import LifeboatConfiguration
import Foundation
import LifeboatCore
import Testing
import TestSupport

/// A backup folder on a 4 MiB tmpfs: the backup that does not fit fails with
/// a clear error, the earlier set stays intact, and nothing is left behind.
@Suite struct FullDiskTests {
    @Test func aFullDiskFailsCleanly() throws {
        let dir = TemporaryDirectory()
        let backup = dir.sub("backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        let mounted = try ProcessRunner.shell("mount -t tmpfs -o size=4m lifeboat-test-full '\(backup)'").status == 0
        guard try Skips.require(mounted, "mounting a tmpfs (needs root)") else { return }
        defer { _ = try? ProcessRunner.shell("umount '\(backup)'") }

        TreeBuilder.write(dir.sub("app/.env"), "A=1\n", mode: 0o600)
        TreeBuilder.writeRandom(dir.sub("uploads/big.bin"), bytes: 8 << 20, seed: 1)
        let settings = Settings(backupDirectory: backup, uploadsDirectory: dir.sub("uploads"), configPaths: [dir.sub("app/.env")])
        let earlier = try BackupJob(settings: settings, console: .silent).run(components: [.config])

        do {
            _ = try BackupJob(settings: settings, console: .silent).run(components: [.files, .config])
            Issue.record("an 8 MiB backup fitted on a 4 MiB disk")
        } catch let error as LifeboatError {
            #expect(error.status == .ioError)
            #expect(error.message.contains("No space left on device"), "\(error)")
            #expect(error.hint?.contains("earlier sets are untouched") == true)
        }
        let listing = try SetCatalog(localTierOf: settings).list()
        #expect(listing.complete.map(\.id) == [earlier.id])
        #expect(listing.incomplete.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: backup).sorted()
        #expect(left == [".lifeboat.lock", earlier.id.rawValue] || left == [".lifeboat-cache", ".lifeboat.lock", earlier.id.rawValue], "\(left)")
        let cache = (try? FileManager.default.contentsOfDirectory(atPath: backup + "/.lifeboat-cache")) ?? []
        #expect(cache.allSatisfy { !$0.hasSuffix(".tmp") }, "the failed backup left a cache file: \(cache)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: backup + "/" + earlier.id.rawValue).sorted() == ["config.tar.zst", "manifest.json"])
        #expect(try Verifier(tier: SetCatalog(localTierOf: settings).tier, console: .silent).verify(earlier).passed)
    }
}
