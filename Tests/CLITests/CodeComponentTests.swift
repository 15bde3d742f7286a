import Foundation
import Testing
import TestSupport

/// The fifth component of the seed's list, "Application Code": the
/// repository in APP_REPO_DIR as a git bundle, read back by stock git.
@Suite struct CodeComponentTests {
    /// A repository with two branches, a tag, an origin remote and an
    /// uncommitted change; returns its HEAD commit.
    static func makeRepository(at path: String) throws -> String {
        let git = "git -C '\(path)' -c user.name=Test -c user.email=test@example.com"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let steps = [
            "git init -q -b main '\(path)'",
            "printf 'print(1)\\n' > '\(path)/app.py' && \(git) add app.py && \(git) commit -q -m one",
            "\(git) tag v1.0",
            "\(git) checkout -q -b feature && printf 'x\\n' > '\(path)/feature.txt' && \(git) add feature.txt && \(git) commit -q -m feature",
            "\(git) checkout -q main && printf 'print(2)\\n' > '\(path)/app.py' && \(git) commit -q -am two",
            "\(git) remote add origin https://git.example.com/acme/app.git",
            "printf 'local edit\\n' >> '\(path)/app.py'",
        ]
        for step in steps {
            let result = try ProcessRunner.shell(step)
            #expect(result.status == 0, "\(step): \(result.output)")
        }
        return try ProcessRunner.shell("git -C '\(path)' rev-parse HEAD").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func git(_ path: String, _ arguments: String) throws -> String {
        try ProcessRunner.shell("git -C '\(path)' \(arguments)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theRepositoryIsBundledVerifiedListedAndRestoredAsStockGitReadsIt() throws {
        let dir = TemporaryDirectory()
        let repo = dir.sub("app")
        let head = try Self.makeRepository(at: repo)
        let env = ["BACKUP_DIR": dir.sub("backup"), "APP_REPO_DIR": repo]

        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(backup.stderr.contains("components: code"), "\(backup.stderr)")
        #expect(backup.stderr.contains("1 uncommitted change in the working tree, not in the bundle"), "the bundle cannot hold the local edit: say so\n\(backup.stderr)")
        #expect(backup.stderr.contains("commit \(head.prefix(12)) on main"), "\(backup.stderr)")

        // The manifest records what the data goes with.
        let manifestData = try Data(contentsOf: URL(fileURLWithPath: dir.sub("backup/\(id)/manifest.json")))
        let manifest = try JSONSerialization.jsonObject(with: manifestData) as! [String: Any]
        let artifact = (manifest["artifacts"] as! [[String: Any]]).first { $0["component"] as? String == "code" }!
        #expect(artifact["file"] as? String == "code.bundle.zst")
        #expect(artifact["format"] as? String == "git-bundle")
        let code = artifact["code"] as! [String: Any]
        #expect(code["head"] as? String == head)
        #expect(code["branch"] as? String == "main")
        #expect((code["branches"] as? [String: String])?.keys.sorted() == ["feature", "main"])
        #expect(code["tags"] as? Int == 1)
        #expect(code["remote"] as? String == "https://git.example.com/acme/app.git")
        #expect(code["uncommittedChanges"] as? Int == 1)

        // Stock tools, no Lifeboat: zstd -d, then git clone.
        let stock = dir.sub("stock")
        let clone = try ProcessRunner.shell("zstd -q -d -c '\(dir.sub("backup/\(id)/code.bundle.zst"))' > '\(dir.sub("code.bundle"))' && git clone -q '\(dir.sub("code.bundle"))' '\(stock)'")
        #expect(clone.status == 0, "\(clone.output)")
        #expect(try Self.git(stock, "rev-parse HEAD") == head)
        #expect(try Self.git(stock, "tag") == "v1.0")

        let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id], environment: env)
        #expect(verify.status == 0, "\(verify.output)")

        let list = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["list"], environment: env)
        #expect(list.stdout.contains("\(id): code commit \(head.prefix(12)) (main)"), "\(list.output)")
        let listJSON = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["list", "--json"], environment: env)
        #expect(listJSON.stdout.contains("\"code\" : \"commit \(head.prefix(12)) (main)\"") || listJSON.stdout.contains("\"code\":\"commit \(head.prefix(12)) (main)\""), "\(listJSON.stdout)")

        let status = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["status"], environment: env)
        let codeLine = status.stdout.split(separator: "\n").first { $0.hasPrefix("  code") }.map(String.init) ?? ""
        #expect(codeLine.contains("source ok") && codeLine.contains("commit \(head.prefix(12)) (main)"), "\(status.output)")

        // Restore elsewhere: every branch and tag, HEAD on its branch, origin as recorded.
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "code", "--to", dir.sub("restored")], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        let restored = dir.sub("restored/code")
        #expect(try Self.git(restored, "rev-parse HEAD") == head)
        #expect(try Self.git(restored, "symbolic-ref --short HEAD") == "main")
        #expect(try Self.git(restored, "for-each-ref --format='%(refname)' refs/heads refs/tags").split(separator: "\n") == ["refs/heads/feature", "refs/heads/main", "refs/tags/v1.0"])
        #expect(try Self.git(restored, "remote get-url origin") == "https://git.example.com/acme/app.git")
        #expect(try Self.git(restored, "status --porcelain") == "", "the working tree is HEAD's")
        #expect(try Self.git(restored, "fsck --no-progress 2>&1; echo rc=$?").hasSuffix("rc=0"))

        // Into the live repository: refused while it holds anything, then replaced with --overwrite, the old one kept.
        let refused = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "code"], environment: env)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.stderr.contains("is not empty") && refused.stderr.contains("--overwrite"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: repo + "/.git"))
        let overwrite = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "code", "--overwrite"], environment: env)
        #expect(overwrite.status == 0, "\(overwrite.output)")
        #expect(overwrite.stderr.contains("previous contents kept at"), "\(overwrite.stderr)")
        #expect(try Self.git(repo, "rev-parse HEAD") == head)
        #expect(try Self.git(repo, "status --porcelain") == "", "the restored tree is the commit's (the uncommitted edit is in the kept copy)")
    }

    @Test func aDamagedBundleFailsVerificationAndIsNotRestored() throws {
        let dir = TemporaryDirectory()
        let repo = dir.sub("app")
        _ = try Self.makeRepository(at: repo)
        // No compression: a flipped byte lands in the pack itself, not in a zstd frame.
        let env = ["BACKUP_DIR": dir.sub("backup"), "APP_REPO_DIR": repo, "BACKUP_COMPRESSION": "none"]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = dir.sub("backup/\(id)/code.bundle")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 30] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id], environment: env)
        #expect(verify.status == 3, "\(verify.output)")
        #expect(verify.output.contains("SHA-256 mismatch"), "\(verify.output)")
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--components", "code", "--to", dir.sub("restored")], environment: env)
        #expect(restore.status == 3, "\(restore.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("restored/code/.git")), "nothing restored from a damaged bundle")
    }

    @Test func aFolderThatIsNotARepositoryIsRefusedByName() throws {
        let dir = TemporaryDirectory()
        let plain = dir.sub("plain")
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: ["BACKUP_DIR": dir.sub("backup"), "APP_REPO_DIR": plain])
        #expect(backup.status == 64, "\(backup.output)")
        #expect(backup.stderr.contains("APP_REPO_DIR \(plain) is not a git repository"), "\(backup.stderr)")
        let sets = (try? FileManager.default.contentsOfDirectory(atPath: dir.sub("backup")))?.filter { !$0.hasPrefix(".") } ?? []
        #expect(sets.isEmpty, "no set is left of a refused backup: \(sets)")

        let empty = dir.sub("empty")
        _ = try ProcessRunner.shell("git init -q '\(empty)'")
        let none = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: ["BACKUP_DIR": dir.sub("backup"), "APP_REPO_DIR": empty])
        #expect(none.status == 64, "\(none.output)")
        #expect(none.stderr.contains("holds no commit"), "\(none.stderr)")
    }
}
