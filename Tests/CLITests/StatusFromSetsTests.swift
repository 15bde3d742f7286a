import Foundation
import Testing
import TestSupport

/// Status comes from the sets in the tiers, not only from the service's
/// memory: a verified one-shot backup (the guide's cron alternative) makes
/// `report` healthy, and `report` exits non-zero when unhealthy.
@Suite struct StatusFromSetsTests {
    @Test func aOneShotBackupMakesTheReportHealthyAndNoneMakesItExitNonZero() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let before = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["report"], environment: env)
        #expect(before.status == 1, "\(before.output)")
        #expect(before.stderr.contains("UNHEALTHY"), "\(before.stderr)")

        #expect(try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env).status == 0)
        #expect(try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify"], environment: env).status == 0)
        let after = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["report"], environment: env)
        #expect(after.status == 0, "\(after.output)")
        #expect(after.stdout.contains("last backup 20"), "\(after.stdout)")
        #expect(after.stdout.contains("(verification: passed)"), "\(after.stdout)")
    }
}
