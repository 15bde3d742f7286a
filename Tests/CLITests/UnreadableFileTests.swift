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

    /// A name in another encoding than UTF-8 (latin-1 "café") cannot be
    /// named by the listing: it was left out as "removed while the backup
    /// ran" and the set said complete. Now it is unreadable: the set fails
    /// naming it and saying how to rename, or skips it when allowed.
    @Test func aNameThatIsNotUTF8FailsTheSetInsteadOfVanishing() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/ok.txt"), "fine")
        let latin1 = dir.sub("uploads").utf8CString.dropLast().map { UInt8(bitPattern: $0) } + Array("/caf".utf8) + [0xE9] + Array(".txt".utf8)
        let fd = open(latin1.map { CChar(bitPattern: $0) } + [0], O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        close(fd)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        let failed = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--components", "files"], environment: env)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.stderr.contains("not valid UTF-8"), "\(failed.stderr)")
        #expect(failed.stderr.contains("convmv"))
        #expect(!failed.output.contains("was removed while the backup ran"))
        let skipped = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup", "--components", "files", "--skip-unreadable"], environment: env)
        #expect(skipped.status == 0, "\(skipped.output)")
        #expect(skipped.stderr.contains("not valid UTF-8"))
        #expect(skipped.output.contains("complete: 1 artifacts") && skipped.output.contains("1 unreadable path(s) left out"), "\(skipped.output)")
    }
}
