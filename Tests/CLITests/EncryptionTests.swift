import Foundation
import Testing
import TestSupport

/// Artifacts encrypted to age recipients: no plaintext on disk, stock `age`
/// decrypts them, and verify/restore need the identity.
@Suite struct EncryptionTests {
    @Test func encryptedSetsRoundTripAndStockAgeReadsThem() throws {
        guard try Skips.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen"), "age (apt install age)") else { return }
        let dir = TemporaryDirectory()
        let marker = "LIFEBOAT-PLAINTEXT-MARKER-\(UInt32.random(in: 0...UInt32.max))"
        TreeBuilder.write(dir.sub("uploads/secret.txt"), String(repeating: marker + "\n", count: 1000))
        TreeBuilder.awkwardTree(at: dir.sub("uploads/tree"))
        TreeBuilder.write(dir.sub("etc/.env"), "TOKEN=\(marker)\n", mode: 0o600)
        _ = try ProcessRunner.shell("age-keygen -o '\(dir.sub("key"))' 2>/dev/null; age-keygen -o '\(dir.sub("other"))' 2>/dev/null")
        let recipient = try ProcessRunner.shell("age-keygen -y '\(dir.sub("key"))'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let binary = ProcessRunner.lifeboatBinary
        var env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("etc/.env"),
                   "BACKUP_COMPRESSION": "none", "BACKUP_ENCRYPTION_RECIPIENTS": recipient]
        let backup = try ProcessRunner.run(binary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // No plaintext anywhere in the backup folder; no secret in the manifest.
        let grep = try ProcessRunner.shell("grep -rl '\(marker)' '\(dir.sub("backup"))'")
        #expect(grep.stdout.isEmpty, "plaintext found in \(grep.stdout)")
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"format\" : \"age-v1\""))
        #expect(!manifest.contains("AGE-SECRET-KEY"))
        #expect(FileManager.default.fileExists(atPath: dir.sub("backup/\(id)/files.tar.age")))

        // Stock tools: age -d | tar.
        let stock = try ProcessRunner.shell("age -d -i '\(dir.sub("key"))' '\(dir.sub("backup/\(id)/files.tar.age"))' | tar -tf - | grep -c secret.txt")
        #expect(stock.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(stock.output)")

        // Verify needs the identity; with it, it passes.
        let noKey = try ProcessRunner.run(binary, ["verify", id], environment: env)
        #expect(noKey.status == 64, "\(noKey.output)")
        #expect(noKey.stderr.contains("BACKUP_ENCRYPTION_IDENTITY_FILE"))
        env["BACKUP_ENCRYPTION_IDENTITY_FILE"] = dir.sub("key")
        #expect(try ProcessRunner.run(binary, ["verify", id], environment: env).status == 0)

        // A wrong key is refused before anything is restored.
        var wrong = env
        wrong["BACKUP_ENCRYPTION_IDENTITY_FILE"] = dir.sub("other")
        let refused = try ProcessRunner.run(binary, ["restore", id, "--to", dir.sub("wrong")], environment: wrong)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("wrong/files/secret.txt")))

        let restore = try ProcessRunner.run(binary, ["restore", id, "--to", dir.sub("out")], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(TreeSnapshot(of: dir.sub("uploads")).differences(from: TreeSnapshot(of: dir.sub("out/files"))).isEmpty)
        #expect(FileManager.default.contents(atPath: dir.sub("out/config") + dir.sub("etc/.env")) == Data("TOKEN=\(marker)\n".utf8))
    }

    @Test func passphraseSetsRoundTripAndNeedThePassphrase() throws {
        let dir = TemporaryDirectory()
        let marker = "LIFEBOAT-PLAINTEXT-MARKER-\(UInt32.random(in: 0...UInt32.max))"
        TreeBuilder.write(dir.sub("uploads/secret.txt"), String(repeating: marker + "\n", count: 1000))
        TreeBuilder.write(dir.sub("passphrase"), "a long passphrase for backups\n", mode: 0o600)
        let binary = ProcessRunner.lifeboatBinary
        var env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "BACKUP_COMPRESSION": "none",
                   "BACKUP_ENCRYPTION_PASSPHRASE_FILE": dir.sub("passphrase")]
        let backup = try ProcessRunner.run(binary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ProcessRunner.shell("grep -rl '\(marker)' '\(dir.sub("backup"))'").stdout.isEmpty)
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("passphrase (scrypt)") && !manifest.contains("a long passphrase"))

        env.removeValue(forKey: "BACKUP_ENCRYPTION_PASSPHRASE_FILE")
        let noKey = try ProcessRunner.run(binary, ["verify", id], environment: env)
        #expect(noKey.status == 64 && noKey.stderr.contains("BACKUP_ENCRYPTION_PASSPHRASE"), "\(noKey.output)")
        let wrong = try ProcessRunner.run(binary, ["restore", id, "--to", dir.sub("wrong")], environment: env.merging(["BACKUP_ENCRYPTION_PASSPHRASE": "nope"]) { $1 })
        #expect(wrong.status == 64, "\(wrong.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("wrong/files")))
        env["BACKUP_ENCRYPTION_PASSPHRASE_FILE"] = dir.sub("passphrase")
        #expect(try ProcessRunner.run(binary, ["verify", id], environment: env).status == 0)
        let restore = try ProcessRunner.run(binary, ["restore", id, "--to", dir.sub("out")], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(TreeSnapshot(of: dir.sub("uploads")).differences(from: TreeSnapshot(of: dir.sub("out/files"))).isEmpty)

        // Both kinds at once cannot be expressed in age: refused up front.
        let both = try ProcessRunner.run(binary, ["backup"], environment: env.merging(["BACKUP_ENCRYPTION_RECIPIENTS": "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"]) { $1 })
        #expect(both.status == 64 && both.stderr.contains("both set"), "\(both.output)")
    }
}
