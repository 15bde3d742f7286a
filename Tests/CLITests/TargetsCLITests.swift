import Foundation
import HTTPClient
import S3Storage
import SFTPStorage
import Storage
import Testing
import TestSupport

/// Named targets through the command line: the S3 tier on one moto, a
/// second provider (another moto, its own keys) and an SFTP server
/// (Debian's sshd), all three taking every set; one of them down while the
/// others get their copy; a damaged copy passed over by restore.
@Suite(.serialized) struct TargetsCLITests {
    struct Setup {
        let dir = TemporaryDirectory()
        let bucket = TestServers.uniqueBucket("tgt")
        let otherBucket = TestServers.uniqueBucket("tgt2")
        let s3: TestServers.S3Server
        let second: TestServers.S3Server
        let ssh: SSHServer
        /// The SSH server's keys and known_hosts (kept as long as the setup).
        let sshDirectory: TemporaryDirectory
        var env: [String: String] = [:]

        init(s3: TestServers.S3Server, second: TestServers.S3Server, ssh: SSHServer, sshDirectory: TemporaryDirectory) throws {
            self.s3 = s3
            self.second = second
            self.ssh = ssh
            self.sshDirectory = sshDirectory
            TreeBuilder.awkwardTree(at: dir.sub("uploads/tree"))
            TreeBuilder.write(dir.sub("uploads/big.bin"), String(repeating: "lifeboat target test\n", count: 50_000))
            TreeBuilder.write(dir.sub("second-secret"), second.secretAccessKey + "\n", mode: 0o600)
            env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"),
                   "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint, "AWS_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey, "S3_MAX_ATTEMPTS": "2",
                   "TARGETS": "offsite,vault",
                   "TARGET_OFFSITE_URL": "s3://\(otherBucket)/lifeboat", "TARGET_OFFSITE_ENDPOINT": second.endpoint,
                   "TARGET_OFFSITE_ACCESS_KEY_ID": second.accessKeyID, "TARGET_OFFSITE_SECRET_ACCESS_KEY_FILE": dir.sub("second-secret"),
                   "TARGET_VAULT_URL": ssh.url(folder: dir.sub("vault/sets")),
                   "TARGET_VAULT_SSH_KEY_FILE": ssh.clientKeyFile, "TARGET_VAULT_KNOWN_HOSTS_FILE": ssh.knownHostsFile]
            try tier(s3, bucket).createBucket()
            try tier(second, otherBucket).createBucket()
        }

        func tier(_ server: TestServers.S3Server, _ bucket: String, prefix: String = "") throws -> S3Tier {
            S3Tier(name: "x", location: try S3Location(bucketAndPrefix: bucket + prefix, region: "us-east-1", endpoint: server.endpoint),
                   credentials: S3Credentials(accessKeyID: server.accessKeyID, secretAccessKey: server.secretAccessKey))
        }

        var offsite: S3Tier { get throws { try tier(second, otherBucket, prefix: "/lifeboat") } }

        func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
            try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env.merging(extra) { $1 })
        }
    }

    static func setup() throws -> Setup? {
        guard let s3 = try TestServers.s3(), let second = try TestServers.secondS3() else { return nil }
        let dir = TemporaryDirectory()
        guard let ssh = try SSHServer.start(in: dir.path) else { return nil }
        return try Setup(s3: s3, second: second, ssh: ssh, sshDirectory: dir)
    }

    @Test func everySetReachesEveryTargetAndAnUnreachableOneDoesNotStopTheOthers() throws {
        guard let setup = try Self.setup() else { return }
        let config = try setup.run(["config"])
        #expect(config.status == 0, "\(config.output)")
        #expect(!config.output.contains(setup.second.secretAccessKey))

        let backup = try setup.run(["backup"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The same manifest bytes in all four places.
        let local = try Data(contentsOf: URL(fileURLWithPath: setup.dir.sub("backup/\(id)/manifest.json")))
        #expect(Data(try setup.tier(setup.s3, setup.bucket).get(key: "\(id)/manifest.json")) == local)
        #expect(Data(try setup.offsite.get(key: "\(id)/manifest.json")) == local)
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.dir.sub("vault/sets/\(id)/manifest.json"))) == local)
        let listed = try setup.run(["list", "--json"])
        #expect(ListJSON.sets(listed.stdout)?.first?["tiers"] as? [String] == ["local", "s3", "offsite", "vault"], "\(listed.output)")
        let human = try setup.run(["list"])
        #expect(human.output.contains("offsite") && human.output.contains("vault"), "\(human.output)")

        // The SFTP server goes away: the other copies are made, the run says which one is missing and how to make it.
        setup.ssh.kill()
        let second = try setup.run(["backup"])
        #expect(second.status != 0, "\(second.output)")
        let secondID = try #require(try FileManager.default.contentsOfDirectory(atPath: setup.dir.sub("backup")).filter { $0.hasPrefix("2") && $0 != id }.first)
        #expect(try setup.offsite.stat(key: "\(secondID)/manifest.json") != nil, "\(second.output)")
        #expect(try setup.tier(setup.s3, setup.bucket).stat(key: "\(secondID)/manifest.json") != nil)
        #expect(second.output.contains("vault") && second.output.contains("lifeboat copy \(secondID) --tier vault"), "\(second.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("vault/sets/\(secondID)")))

        // Back up: copy --tier NAME makes the missing copy; status and metrics name every target.
        try setup.ssh.restart()
        // The key and known_hosts given as text (not as files): written to a private file for the run, gone after it.
        let keyText = try String(contentsOfFile: setup.ssh.clientKeyFile, encoding: .utf8)
        let inline = ["TARGET_VAULT_SSH_KEY_FILE": "", "TARGET_VAULT_KNOWN_HOSTS_FILE": "", "TARGET_VAULT_SSH_KEY": keyText,
                      "TARGET_VAULT_KNOWN_HOSTS": try String(contentsOfFile: setup.ssh.knownHostsFile, encoding: .utf8)]
        let copy = try setup.run(["copy", secondID, "--tier", "vault"], inline)
        #expect(copy.status == 0, "\(copy.output)")
        #expect(copy.stdout.contains("vault"), "\(copy.output)")
        #expect(FileManager.default.fileExists(atPath: setup.dir.sub("vault/sets/\(secondID)/manifest.json")))
        let leftKeys = try ProcessRunner.shell("grep -rl 'OPENSSH PRIVATE KEY' \(NSTemporaryDirectory())lifeboat-\(getuid())-* 2>/dev/null || true").stdout
        #expect(leftKeys.isEmpty, "the key's private copy outlived the run: \(leftKeys)")
        let status = try setup.run(["status"])
        #expect(status.output.contains("vault") && status.output.contains("offsite"), "\(status.output)")
        #expect(status.output.contains("a month as STANDARD") && status.output.contains("a month as SFTP"), "\(status.output)")
        let costs = try setup.run(["report", "--costs"])
        #expect(costs.status == 0 && costs.output.contains("vault") && costs.output.contains("offsite"), "\(costs.output)")
    }

    @Test func restoreFallsBackToTheNextCopyWhenOneIsDamagedAndSaysSo() throws {
        guard var setup = try Self.setup() else { return }
        let backup = try setup.run(["backup"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The local disk is lost and the S3 copy's files artifact is damaged (one byte flipped).
        try FileManager.default.removeItem(atPath: setup.dir.sub("backup"))
        let s3 = try setup.tier(setup.s3, setup.bucket)
        var bytes = try s3.get(key: "\(id)/files.tar.zst", limit: 64 << 20)
        bytes[bytes.count / 2] ^= 0xFF
        try s3.put(key: "\(id)/files.tar.zst", bytes: bytes)

        setup.env["RESTORE_ORDER"] = "s3,vault,offsite"
        let restore = try setup.run(["restore", "latest", "--to", setup.dir.sub("out")])
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stderr.contains("the s3 copy of \(id) cannot be used"), "\(restore.output)")
        #expect(restore.stderr.contains("trying the copy in vault"), "\(restore.output)")
        #expect(restore.stdout.contains("from the vault copy"), "\(restore.output)")
        #expect(TreeSnapshot(of: setup.dir.sub("uploads")).differences(from: TreeSnapshot(of: setup.dir.sub("out/files"))).isEmpty)

        // --from names the copy: no fallback, the damage is the answer (exit 3), nothing written.
        let pinned = try setup.run(["restore", id, "--from", "s3", "--to", setup.dir.sub("out2")])
        #expect(pinned.status == 3, "\(pinned.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("out2/files")))

        // Every copy unusable: refused, naming each, nothing written.
        setup.ssh.kill()
        try setup.offsite.delete(key: "\(id)/files.tar.zst")
        let none = try setup.run(["restore", id, "--to", setup.dir.sub("out3")])
        #expect(none.status != 0, "\(none.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("out3/files")))
        #expect(none.output.contains("s3") && none.output.contains("offsite"), "\(none.output)")
    }

    /// A named S3 target in an archive class (the cold copy of another
    /// provider): its copy needs a thaw before it is read, as Glacier's does.
    @Test func anArchiveClassTargetIsThawedByName() throws {
        guard var setup = try Self.setup() else { return }
        setup.env["TARGET_OFFSITE_STORAGE_CLASS"] = "GLACIER"
        setup.env["TARGET_OFFSITE_SETS"] = "archive"
        let backup = try setup.run(["backup", "--tier", "local,offsite"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try setup.offsite.archiveState(key: "\(id)/files.tar.zst") == .archived)
        let frozen = try setup.run(["restore", id, "--from", "offsite", "--to", setup.dir.sub("out")])
        #expect(frozen.status != 0 && frozen.stderr.contains("thaw"), "\(frozen.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("out/files")))
        let thaw = try setup.run(["thaw", id, "--tier", "offsite"])
        #expect([0, 75].contains(thaw.status), "\(thaw.output)")
        let vault = try setup.run(["thaw", id, "--tier", "vault"])
        #expect(vault.status == 64 && vault.stderr.contains("not kept in S3"), "\(vault.output)")
    }

    @Test func targetSettingsAreCheckedByName() throws {
        let dir = TemporaryDirectory()
        let base = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.path]
        let run = { (env: [String: String]) in try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["config"], environment: base.merging(env) { $1 }) }
        // A target's variable whose target TARGETS does not list.
        var result = try run(["TARGETS": "offsite", "TARGET_OFFSITE_URL": "sftp://u@h/x", "TARGET_OFFSITE_SSH_KEY": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
                              "TARGET_OFFSITE_KNOWN_HOSTS": "h ssh-ed25519 AAAA", "TARGET_VAULT_URL": "s3://bucket-x"])
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("TARGET_VAULT_URL") && result.output.contains("add vault to TARGETS"), "\(result.output)")
        // A reserved or malformed name; a missing URL; S3 without keys; SFTP without a known host; a variable of the other kind.
        result = try run(["TARGETS": "s3,Off_Site,b2,nas", "TARGET_B2_URL": "s3://my-bucket/x", "TARGET_NAS_URL": "sftp://backup@nas.lan/srv",
                          "TARGET_NAS_SSH_KEY": "not a key", "TARGET_NAS_KNOWN_HOSTS": "other.lan ssh-ed25519 AAAA", "TARGET_NAS_REGION": "eu-west-1"])
        #expect(result.status == 64, "\(result.output)")
        for expected in ["'s3' is a tier of its own", "'Off_Site' is not a target name", "TARGET_B2_ACCESS_KEY_ID", "TARGET_B2_SECRET_ACCESS_KEY",
                         "TARGET_NAS_SSH_KEY", "is not a private key", "holds no key for nas.lan", "TARGET_NAS_REGION", "has no meaning for the sftp:// target"] {
            #expect(result.output.contains(expected), "missing '\(expected)' in \(result.output)")
        }
        #expect(!result.output.contains("not a key"), "a secret was printed: \(result.output)")
        result = try run(["TARGETS": "nas", "TARGET_NAS_URL": "sftp://backup:hunter2@nas.lan/srv"])
        #expect(result.output.contains("carries a password") && !result.output.contains("hunter2"), "\(result.output)")
        result = try run(["RESTORE_ORDER": "s3,local"])
        #expect(result.status == 64 && result.output.contains("'s3' is not a configured tier"), "\(result.output)")
    }
}
