import Foundation
import Testing
import TestSupport

/// An unreadable file fails the set with a message naming it, or is left
/// out with a warning when BACKUP_SKIP_UNREADABLE allows. Root reads every
/// file, so as root the binary runs as `nobody` (setpriv).
@Suite struct UnreadableFileTests {
    @Test func unreadableFilesFailTheSetOrAreSkippedWhenAllowed() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/ok.txt"), "fine")
        TreeBuilder.write(dir.sub("uploads/private/secret.txt"), "x", mode: 0o000)
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let prefix = try Unprivileged.prefix(opening: dir.path, writable: dir.sub("backup"))
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        func lifeboat(_ arguments: [String]) throws -> ProcessResult {
            let command = prefix + [ProcessRunner.lifeboatBinary] + arguments
            return try ProcessRunner.run(command[0], Array(command.dropFirst()), environment: env)
        }

        let failed = try lifeboat(["backup"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.stderr.contains("secret.txt"), "\(failed.stderr)")
        #expect(failed.stderr.contains("BACKUP_SKIP_UNREADABLE"))
        let listed = ListJSON.sets(try lifeboat(["list", "--json"]).stdout)
        #expect(listed?.isEmpty == true, "a failed backup published a set")

        let skipped = try lifeboat(["backup", "--skip-unreadable"])
        #expect(skipped.status == 0, "\(skipped.output)")
        #expect(skipped.stderr.contains("warning:"))
        #expect(skipped.stderr.contains("secret.txt"))
        let id = skipped.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("secret.txt"))
        #expect(manifest.contains("\"skipped\""))
    }
}
