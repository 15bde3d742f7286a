import ByteStreams
import Foundation
import HTTPClient
import LifeboatConfiguration
import LifeboatCore
import SFTPStorage
import Storage
import Testing
import TestSupport

/// The SFTP tier against Debian's OpenSSH server on a private port: the
/// storage contract, the host key check, and a server gone mid-upload.
@Suite(.serialized) struct SFTPTierTests {
    static func tier(_ server: SSHServer, folder: String, knownHosts: String? = nil, name: String = "offsite") throws -> SFTPTier {
        SFTPTier(name: name, location: try SFTPLocation(url: server.url(folder: folder)),
                 login: SFTPLogin(user: server.user, privateKeyFile: server.clientKeyFile, knownHostsFile: knownHosts ?? server.knownHostsFile,
                                  connectTimeoutSeconds: 5, stallSeconds: 5),
                 maxAttempts: 2)
    }

    @Test func locationsAreParsedAndChecked() throws {
        let location = try SFTPLocation(url: "sftp://backup@host.example.com:2222/srv/lifeboat/")
        #expect(location.user == "backup" && location.host == "host.example.com" && location.port == 2222 && location.folder == "/srv/lifeboat")
        #expect(location.display == "sftp://backup@host.example.com:2222/srv/lifeboat")
        #expect(try SFTPLocation(url: "sftp://u@h/x").port == 22)
        for bad in ["sftp://host/x", "sftp://u:pw@host/x", "sftp://u@host", "ftp://u@host/x", "sftp://u@host/a/../b"] {
            #expect(throws: SFTPConfigurationError.self, "\(bad)") { _ = try SFTPLocation(url: bad) }
        }
    }

    @Test func sftpTierKeepsTheContract() throws {
        let dir = TemporaryDirectory()
        guard let server = try SSHServer.start(in: dir.path) else { return }
        let tier = try Self.tier(server, folder: dir.sub("remote/lifeboat"))
        try StorageConformance.run(tier)
        // No temporary file is left behind by the contract's uploads and aborts.
        let left = try ProcessRunner.shell("find '\(dir.sub("remote"))' -name '.lifeboat-tmp-*'").output
        #expect(left.isEmpty)
    }

    @Test func aHostKeyThatIsNotTheKnownOneIsRefusedBeforeAnythingIsSent() throws {
        let dir = TemporaryDirectory()
        guard let server = try SSHServer.start(in: dir.path) else { return }
        let wrong = try Self.tier(server, folder: dir.sub("remote"), knownHosts: server.wrongKnownHostsFile)
        #expect {
            try wrong.put(key: "s/manifest.json", bytes: [1])
        } throws: { error in
            "\(error)".contains("does NOT match") && (error as? SFTPError)?.kind == .hostKey && (error as? SFTPError)?.attempts == 1
        }
        try "".write(toFile: dir.sub("empty_known_hosts"), atomically: true, encoding: .utf8)
        let unknown = try Self.tier(server, folder: dir.sub("remote"), knownHosts: dir.sub("empty_known_hosts"))
        #expect { _ = try unknown.list(prefix: "") } throws: { "\($0)".contains("holds no host key") }
        #expect(!FileManager.default.fileExists(atPath: dir.sub("remote/s")))
        // A key the server does not know is a login failure, not a retry.
        let stranger = SFTPTier(name: "offsite", location: try SFTPLocation(url: server.url(folder: dir.sub("remote"))),
                                login: SFTPLogin(user: server.user, privateKeyFile: dir.sub("other_key"), knownHostsFile: server.knownHostsFile))
        #expect { _ = try stranger.list(prefix: "") } throws: { ($0 as? SFTPError)?.kind == .login }
    }

    @Test func aServerGoneMidUploadPublishesNothing() throws {
        let dir = TemporaryDirectory()
        guard let server = try SSHServer.start(in: dir.path) else { return }
        let tier = try Self.tier(server, folder: dir.sub("remote"))
        try tier.put(key: "20260101T000000Z-full-0001/config.tar.zst", bytes: [1, 2, 3])
        let upload = try tier.beginUpload(key: "20260101T000000Z-full-0001/files.tar.zst")
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        for _ in 0..<8 { try upload.write(chunk) }
        server.kill()
        var failed = false
        do {
            for _ in 0..<64 { try upload.write(chunk) }
            try upload.commit()
        } catch {
            failed = true
            upload.abort()
        }
        #expect(failed)
        #expect(!FileManager.default.fileExists(atPath: dir.sub("remote/20260101T000000Z-full-0001/files.tar.zst")))
        // Back up: the half-written temporary file is not listed, and the set's cleanup removes it.
        SFTPTier.forgetUnreachableServers()
        try server.restart()
        #expect(try tier.list(prefix: "").map(\.key) == ["20260101T000000Z-full-0001/config.tar.zst"])
        try tier.deleteAll(prefix: "20260101T000000Z-full-0001")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("remote/20260101T000000Z-full-0001")))
    }

    @Test func aDownloadReadsWhatWasWrittenInStreamedChunks() throws {
        let dir = TemporaryDirectory()
        guard let server = try SSHServer.start(in: dir.path) else { return }
        let tier = try Self.tier(server, folder: dir.sub("remote"))
        let payload = S3TierTests.randomBytes((9 << 20) + 11, seed: 3)
        try tier.put(key: "s/big.bin", bytes: payload)
        #expect(try tier.get(key: "s/big.bin") == payload)
        // A reader that stops early does not hang the tier.
        let partial = try tier.open(key: "s/big.bin")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        _ = try partial.read(into: buffer)
        #expect(try tier.stat(key: "s/big.bin")?.size == UInt64(payload.count))
    }

    /// An SFTP target's retention with the GFS rules, and its incomplete
    /// sets, through the same Pruner as every tier: the old set goes
    /// (folder and all), the newest and the kept-monthly one stay, and a
    /// set left without its manifest by a lost connection is cleaned up.
    @Test func pruneAppliesTheTargetsRetentionAndRemovesIncompleteSets() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("keys"), withIntermediateDirectories: true)
        guard let server = try SSHServer.start(in: dir.sub("keys")) else { return }
        TreeBuilder.write(dir.sub("etc/app.conf"), "setting=1\n")
        let settings = try LoadedConfiguration.load(environment: [
            "BACKUP_DIR": dir.sub("backup"), "CONFIG_PATHS": dir.sub("etc/app.conf"),
            "TARGETS": "vault", "TARGET_VAULT_URL": server.url(folder: dir.sub("vault")), "TARGET_VAULT_RETENTION_DAYS": "1",
            "TARGET_VAULT_SSH_KEY_FILE": server.clientKeyFile, "TARGET_VAULT_KNOWN_HOSTS_FILE": server.knownHostsFile,
        ]).validSettings()
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(try BackupJob(settings: settings, console: .silent).run(components: nil).id.rawValue)
            Thread.sleep(forTimeInterval: 1.1)
        }
        let vault = try Tiers(settings).named("vault")
        #expect(try SetCatalog(tier: vault).list().complete.map(\.id.rawValue) == ids)
        // An interrupted copy: an artifact and a temporary file, no manifest.
        try vault.put(key: "20200101T000000Z-full-dead/config.tar.zst", bytes: [1, 2, 3])
        let stray = try vault.beginUpload(key: "20200101T000000Z-full-dead/files.tar.zst")
        try stray.write([4, 5, 6])
        defer { stray.abort() }  // never committed: as when the connection is lost
        var keepOne = settings
        keepOne.storage.retention["vault"]?.keepLast = 1
        let later = Date().addingTimeInterval(3 * 86_400)
        let plan = try Pruner(settings: keepOne, tiers: [vault], console: .silent, now: { later }).run(dryRun: false)
        #expect(Set(plan.deletions.map(\.id.rawValue)) == Set(ids.dropLast()), "\(plan.decisions)")
        #expect(try SetCatalog(tier: vault).list().complete.map(\.id.rawValue) == [ids.last!])
        for id in ids.dropLast() { #expect(!FileManager.default.fileExists(atPath: dir.sub("vault/\(id)")), "\(id) left a folder") }
        #expect(!FileManager.default.fileExists(atPath: dir.sub("vault/20200101T000000Z-full-dead/config.tar.zst")), "the incomplete set stayed")
    }
}
