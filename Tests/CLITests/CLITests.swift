import Foundation
import Testing
import TestSupport

/// The built binary, run as a user runs it: help, exit statuses, messages.
@Suite struct CLITests {
    let binary = ProcessRunner.lifeboatBinary

    func lifeboat(_ arguments: [String], _ environment: [String: String] = [:]) throws -> ProcessResult {
        try ProcessRunner.run(binary, arguments, environment: environment)
    }

    @Test(arguments: ["backup", "list", "verify", "restore", "prune", "config", "copy", "thaw", "rebuild", "drill", "status", "doctor", "report", "serve", "healthcheck"])
    func everyVerbHasHelpWithExamples(verb: String) throws {
        let result = try lifeboat([verb, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"), "\(result.output)")
        #expect(result.stdout.contains("lifeboat \(verb)"))
    }

    @Test func rootHelpListsVerbsAndTheExitStatusTable() throws {
        let result = try lifeboat(["--help"])
        #expect(result.status == 0)
        for text in ["backup", "restore", "verify", "prune", "list", "config", "64", "75", "verification failed"] {
            #expect(result.stdout.contains(text), "help lacks \(text)")
        }
    }

    @Test func badConfigurationExits64NamingEveryVariable() throws {
        let result = try lifeboat(["list"], ["BACKUP_RETENTION_DAYS": "-3", "BACKUP_SCHEDULE": "every day", "BACKUP_COMPRESSION": "rar"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("BACKUP_RETENTION_DAYS=-3"))
        #expect(result.stderr.contains("BACKUP_SCHEDULE=every day"))
        #expect(result.stderr.contains("BACKUP_COMPRESSION=rar: must be one of zstd, gzip, none"))
    }

    @Test func usageErrorsExit64() throws {
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("b"), "UPLOADS_DIR": dir.path]
        #expect(try lifeboat(["backup", "--components", "files,photos"], env).status == 64)
        #expect(try lifeboat(["restore", "--to", "relative/path"], env).status == 64)
        #expect(try lifeboat(["restore", "not-an-id"], env).status == 64)
        #expect(try lifeboat(["frobnicate"], env).status == 64)
        let nothing = try lifeboat(["backup"], ["BACKUP_DIR": dir.sub("b")])
        #expect(nothing.status == 64)
        #expect(nothing.stderr.contains("UPLOADS_DIR"))
    }

    @Test func configCommandRedactsSecretsAndShowsNextRuns() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("days"), "9\n")
        let result = try lifeboat(["config"], ["BACKUP_RETENTION_DAYS_FILE": dir.sub("days"), "TZ": "Europe/Berlin",
                                               "BACKUP_SCHEDULE": "0 1 * * SUN"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("BACKUP_RETENTION_DAYS"))
        #expect(result.stdout.contains("file \(dir.sub("days"))"))
        #expect(result.stdout.contains("next runs (Europe/Berlin)"))
        #expect(result.stdout.contains("configuration is valid"))
        let bad = try lifeboat(["config"], ["BACKUP_DIR": "nope"])
        #expect(bad.status == 64)
        #expect(bad.stdout.contains("BACKUP_DIR=nope: must be an absolute path"))
    }

    @Test func backupListVerifyRestoreThroughTheBinary() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.awkwardTree(at: dir.sub("uploads"))
        TreeBuilder.write(dir.sub("etc/.env"), "X=1\n", mode: 0o600)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("etc/.env")]
        let backup = try lifeboat(["backup", "--label", "cli test"], env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let list = try lifeboat(["list", "--json"], env)
        let rows = try #require(ListJSON.sets(list.stdout), "\(list.output)")
        #expect(rows.count == 1)
        #expect(rows[0]["id"] as? String == id)
        #expect(rows[0]["label"] as? String == "cli test")
        #expect(rows[0]["verification"] as? String == "unverified")
        let table = try lifeboat(["list"], env)
        #expect(table.stdout.contains("CREATED (UTC)"))
        #expect(table.stdout.contains(id))

        let verify = try lifeboat(["verify", id], env)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.stdout.contains("verification passed"))

        let restore = try lifeboat(["restore", "latest", "--to", dir.sub("out")], env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(TreeSnapshot(of: dir.sub("uploads")).differences(from: TreeSnapshot(of: dir.sub("out/files"))).isEmpty)

        // A flipped byte: verify exits 3, restore refuses with 3.
        let artifact = dir.sub("backup/\(id)/files.tar.zst")
        var data = try Data(contentsOf: URL(fileURLWithPath: artifact))
        data[100] ^= 0x40
        try data.write(to: URL(fileURLWithPath: artifact))
        let failed = try lifeboat(["verify", id], env)
        #expect(failed.status == 3)
        #expect(failed.stdout.contains("FAILED"))
        let refused = try lifeboat(["restore", id, "--to", dir.sub("out2")], env)
        #expect(refused.status == 3)
        #expect(!FileManager.default.fileExists(atPath: dir.sub("out2/files")))
    }

    @Test func aHeldLockExits75AndSaysWhoHoldsIt() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a"), "a")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let fd = open(dir.sub("backup/.lifeboat.lock"), O_RDWR | O_CREAT, 0o600)
        defer { close(fd) }
        _ = "pid 4242 on testhost, backup, since earlier\n".withCString { write(fd, $0, strlen($0)) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let result = try lifeboat(["backup"], env)
        #expect(result.status == 75)
        #expect(result.stderr.contains("pid 4242 on testhost"))
        flock(fd, LOCK_UN)
        #expect(try lifeboat(["backup"], env).status == 0)
    }
}
