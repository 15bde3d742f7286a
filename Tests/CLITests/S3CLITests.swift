import Foundation
import S3Storage
import Storage
import Testing
import TestSupport

/// The S3 and Glacier tiers through the command line, against moto with
/// signature checking on: the guide's "From S3 Backup" procedure, a lost
/// local disk, an object deleted behind our back, wrong credentials.
@Suite(.serialized) struct S3CLITests {
    struct Setup {
        let dir = TemporaryDirectory()
        let bucket = TestServers.uniqueBucket("cli")
        let server: TestServers.S3Server
        let marker = "LIFEBOAT-PLAINTEXT-MARKER-\(UInt32.random(in: 0...UInt32.max))"
        var env: [String: String] = [:]

        init(server: TestServers.S3Server) throws {
            self.server = server
            TreeBuilder.write(dir.sub("uploads/secret.txt"), String(repeating: marker + "\n", count: 2000))
            TreeBuilder.awkwardTree(at: dir.sub("uploads/tree"))
            TreeBuilder.write(dir.sub("etc/.env"), "TOKEN=\(marker)\n", mode: 0o600)
            TreeBuilder.write(dir.sub("aws-secret"), server.secretAccessKey + "\n", mode: 0o600)
            env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("etc/.env"),
                   "AWS_S3_BUCKET": bucket + "/lifeboat/prod", "AWS_ENDPOINT_URL": server.endpoint, "AWS_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY_FILE": dir.sub("aws-secret"),
                   "S3_MAX_ATTEMPTS": "2"]
            try tier().createBucket()
        }

        func tier(_ prefix: String = "lifeboat/prod") throws -> S3Tier {
            S3Tier(name: "s3", location: try S3Location(bucketAndPrefix: bucket + "/" + prefix, region: "us-east-1", endpoint: server.endpoint),
                   credentials: S3Credentials(accessKeyID: server.accessKeyID, secretAccessKey: server.secretAccessKey))
        }

        func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
            try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env.merging(extra) { $1 })
        }

        func listed() throws -> [[String: Any]] {
            let result = try run(["list", "--json"])
            return ListJSON.sets(result.stdout) ?? []
        }
    }

    @Test func encryptedSetsGoToS3AndComeBackAfterTheLocalDiskIsLost() throws {
        guard let server = try TestServers.s3() else { return }
        guard try Skips.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen"), "age (apt install age)") else { return }
        var setup = try Setup(server: server)
        _ = try ProcessRunner.shell("age-keygen -o '\(setup.dir.sub("key"))' 2>/dev/null")
        setup.env["BACKUP_ENCRYPTION_RECIPIENTS"] = try ProcessRunner.shell("age-keygen -y '\(setup.dir.sub("key"))'").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        setup.env["BACKUP_COMPRESSION"] = "none"

        let backup = try setup.run(["backup"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try setup.listed().first?["tiers"] as? [String] == ["local", "s3"])

        // In S3: artifacts and manifest under the prefix, and no plaintext byte.
        let tier = try setup.tier()
        let keys = try tier.list(prefix: "").map(\.key)
        #expect(keys == ["\(id)/config.tar.age", "\(id)/files.index.age", "\(id)/files.tar.age", "\(id)/manifest.json"])
        for key in keys where key.hasSuffix(".age") {
            let bytes = try tier.get(key: key, limit: 256 << 20)
            #expect(!String(decoding: bytes, as: UTF8.self).contains(setup.marker), "plaintext in s3://\(key)")
        }
        // The commit marker is the local one, byte for byte.
        #expect(Data(try tier.get(key: "\(id)/manifest.json")) == (try Data(contentsOf: URL(fileURLWithPath: setup.dir.sub("backup/\(id)/manifest.json")))))

        // The local disk is lost: the set is still listed, from S3 only.
        try FileManager.default.removeItem(atPath: setup.dir.sub("backup"))
        #expect(try setup.listed().first?["tiers"] as? [String] == ["s3"])

        // Verify the remote copy (download, hash, decrypt, structure), then restore from it.
        setup.env["BACKUP_ENCRYPTION_IDENTITY_FILE"] = setup.dir.sub("key")
        let verify = try setup.run(["verify", "latest", "--from", "s3"])
        #expect(verify.status == 0, "\(verify.output)")
        let restore = try setup.run(["restore", "latest", "--to", setup.dir.sub("out")])
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stderr.contains("using the copy in s3"))
        #expect(TreeSnapshot(of: setup.dir.sub("uploads")).differences(from: TreeSnapshot(of: setup.dir.sub("out/files"))).isEmpty)
        let staging = try FileManager.default.contentsOfDirectory(atPath: setup.dir.sub("backup")).filter { $0.hasPrefix(".lifeboat-fetch") }
        #expect(staging.isEmpty, "the download staging folder was left behind")

        // An object deleted behind our back: verify says which, exit 3; restore refuses.
        try tier.delete(key: "\(id)/files.tar.age")
        let damaged = try setup.run(["verify", id, "--from", "s3"])
        #expect(damaged.status == 3, "\(damaged.output)")
        #expect(damaged.output.contains("files.tar.age") && damaged.output.contains("missing"))
        let refused = try setup.run(["restore", id, "--from", "s3", "--to", setup.dir.sub("out2")])
        #expect(refused.status != 0)
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("out2/files")))
    }

    @Test func wrongCredentialsLeaveTheLocalSetAndSaySo() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let result = try setup.run(["backup"], ["AWS_SECRET_ACCESS_KEY_FILE": "", "AWS_SECRET_ACCESS_KEY": "wrong-secret"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.stderr.contains("SignatureDoesNotMatch"))
        #expect(result.stderr.contains("complete in the local tier"))
        #expect(result.stderr.contains("AWS_SECRET_ACCESS_KEY"))
        #expect(!result.output.contains("wrong-secret"))
        let local = try setup.run(["list", "--tier", "local", "--json"])
        #expect(local.status == 0 && local.stdout.contains("\"local\""), "\(local.output)")
        #expect(try setup.tier().list(prefix: "").isEmpty, "a partial set was left in S3")

        let missing = try setup.run(["list"], ["AWS_S3_BUCKET": TestServers.uniqueBucket("nobucket")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("NoSuchBucket"), "\(missing.output)")
        #expect(missing.stdout.contains("local"), "the local sets are still listed")
    }

    @Test func withoutALocalTierTheSetLivesOnlyInS3UnlessTheCopyFails() throws {
        guard let server = try TestServers.s3() else { return }
        var setup = try Setup(server: server)
        setup.env["BACKUP_LOCAL"] = "false"
        let backup = try setup.run(["backup", "--components", "config"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let local = try FileManager.default.contentsOfDirectory(atPath: setup.dir.sub("backup")).filter { $0.contains("-full-") }
        #expect(local.isEmpty, "the staging copy was kept: \(local)")
        #expect(try setup.listed().first?["tiers"] as? [String] == ["s3"])
        let manifest = String(decoding: try setup.tier().get(key: "\(id)/manifest.json"), as: UTF8.self)
        #expect(!manifest.contains("\"tier\" : \"local\""), "the manifest names a local copy that is gone")

        // The copy fails: the only complete copy stays.
        let failed = try setup.run(["backup", "--components", "config"], ["AWS_SECRET_ACCESS_KEY_FILE": "", "AWS_SECRET_ACCESS_KEY": "wrong"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("kept although BACKUP_LOCAL=false"), "\(failed.output)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: setup.dir.sub("backup")).filter { $0.contains("-full-") }
        #expect(kept.count == 1)
    }

    /// The manifest is the set's commit marker: written once, then copied
    /// byte for byte; a later copy to another tier never rewrites it.
    @Test func theManifestIsWrittenOnceAndCopiedByteForByte() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let backup = try setup.run(["backup", "--components", "config"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let localPath = setup.dir.sub("backup/\(id)/manifest.json")
        let local = try Data(contentsOf: URL(fileURLWithPath: localPath))
        let written = try FileManager.default.attributesOfItem(atPath: localPath)[.modificationDate] as? Date
        let s3 = try setup.tier()
        #expect(Data(try s3.get(key: "\(id)/manifest.json")) == local)
        let s3Written = try s3.stat(key: "\(id)/manifest.json")?.modified

        Thread.sleep(forTimeInterval: 1.1)
        let copy = try setup.run(["copy", id, "--tier", "glacier"])
        #expect(copy.status == 0, "\(copy.output)")
        #expect(copy.stdout.contains("is in: local, s3, glacier"), "every tier holding the set is named: \(copy.output)")
        #expect(Data(try setup.tier("lifeboat/prod/glacier").get(key: "\(id)/manifest.json")) == local)
        #expect(try Data(contentsOf: URL(fileURLWithPath: localPath)) == local)
        #expect(try FileManager.default.attributesOfItem(atPath: localPath)[.modificationDate] as? Date == written, "the local manifest was rewritten")
        #expect(try s3.stat(key: "\(id)/manifest.json")?.modified == s3Written, "the S3 manifest was rewritten")
        #expect(!String(decoding: local, as: UTF8.self).contains("\"copies\""))
    }

    /// A chain with a link gone from S3 (and the local disk lost): the
    /// files, which need every link, are refused naming the missing one and
    /// nothing is written; the config, whole in the set itself, restores.
    @Test func aBrokenRemoteChainRefusesWhatNeedsItAndRestoresTheRest() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        var ids: [String] = []
        for (index, kind) in ["full", "incremental", "incremental"].enumerated() {
            Thread.sleep(forTimeInterval: 1.1)
            TreeBuilder.write(setup.dir.sub("uploads/day\(index).txt"), "day \(index)\n")
            let backup = try setup.run(["backup", "--kind", kind])
            #expect(backup.status == 0, "\(backup.output)")
            ids.append(backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try setup.tier().deleteAll(prefix: ids[1])
        try FileManager.default.removeItem(atPath: setup.dir.sub("backup"))

        let files = try setup.run(["restore", ids[2], "--components", "files", "--to", setup.dir.sub("out-files")])
        #expect(files.status != 0, "\(files.output)")
        #expect(files.stderr.contains(ids[1]) && files.stderr.contains("chain is broken"), "\(files.output)")
        #expect(!FileManager.default.fileExists(atPath: setup.dir.sub("out-files/files")), "a refused restore wrote files")

        let config = try setup.run(["restore", ids[2], "--components", "config", "--to", setup.dir.sub("out-config")])
        #expect(config.status == 0, "\(config.output)")
        #expect(try String(contentsOfFile: setup.dir.sub("out-config/config") + setup.dir.sub("etc/.env"), encoding: .utf8).hasPrefix("TOKEN="))
    }

    /// Every read, restore, copy and deletion leaves a record, locally and
    /// as new objects in every remote tier: deleting the local tier (sets
    /// and trail) leaves the record in S3, and `audit` merges it back.
    @Test func theAuditTrailOutlivesTheLocalTier() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let backup = try setup.run(["backup", "--components", "config"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try setup.run(["restore", "latest", "--components", "config", "--to", setup.dir.sub("out")]).status == 0)
        #expect(try setup.run(["verify", id]).status == 0)
        #expect(try setup.run(["prune", "--dry-run"]).status == 0)  // deletes nothing: not recorded
        #expect(try setup.run(["copy", id, "--tier", "glacier"]).status == 0)
        let refused = try setup.run(["restore", "20200101T000000Z-full-dead", "--to", setup.dir.sub("nothing")])
        #expect(refused.status != 0)

        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let local = try String(contentsOfFile: setup.dir.sub("backup/.lifeboat-audit/\(day).jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(local.count == 4, "\(local)")
        #expect(try setup.tier().list(prefix: ".lifeboat-audit/").count == 4)
        #expect(try setup.listed().count == 1, "the trail's objects are not sets")

        try FileManager.default.removeItem(atPath: setup.dir.sub("backup"))
        let audit = try setup.run(["audit", "--json"])
        #expect(audit.status == 0, "\(audit.output)")
        #expect(try JSONSchemaCheck.problem(audit.stdout, schema: "audit") == nil, "\(audit.stdout)")
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])
        let records = try #require(listing["records"] as? [[String: Any]])
        #expect(records.map { $0["operation"] as? String } == ["restore", "verify", "copy", "restore"], "\(records)")
        #expect(records[0]["sets"] as? [String] == [id] && records[0]["components"] as? [String] == ["config"], "\(records[0])")
        #expect((records[0]["who"] as? [String: Any])?["uid"] as? Int == Int(getuid()))
        #expect((records[0]["command"] as? [String])?.contains("restore") == true)
        #expect(records[2]["tiers"] as? [String] == ["glacier", "local", "s3"] || (records[2]["tiers"] as? [String])?.contains("glacier") == true, "\(records[2])")
        #expect(records[3]["result"] as? String == "failed" && (records[3]["exitStatus"] as? Int ?? 0) != 0, "\(records[3])")
        #expect((listing["sources"] as? [String: Int])?["s3"] == 4, "\(listing)")
        let text = try setup.run(["audit"])
        #expect(text.stdout.contains("audit: 4 record(s)"), "\(text.output)")

        // A damaged record is named, the others still shown, and the exit says the list may be incomplete.
        try setup.tier().put(key: ".lifeboat-audit/\(day)/20261201T000000.000Z-junk.json", bytes: Array("not json".utf8))
        let damaged = try setup.run(["audit"])
        #expect(damaged.status == 1 && damaged.stdout.contains("audit: 4 record(s)") && damaged.stderr.contains("junk.json is not an audit record"), "\(damaged.output)")
    }

    /// `report --costs`: each tier's class, size and price, the Glacier
    /// minimum duration against a shorter retention, and the overrides.
    @Test func costsArePricedPerTierAndClass() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        var ids: [String] = []
        for _ in 0..<2 {
            let backup = try setup.run(["backup", "--components", "files,config"])
            #expect(backup.status == 0, "\(backup.output)")
            ids.append(backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(try setup.run(["copy", ids[1], "--tier", "glacier"]).status == 0)
        let extra = ["GLACIER_RETENTION_DAYS": "30", "COST_PRICES": "STANDARD=2.5"]
        let costs = try setup.run(["report", "--costs", "--json"], extra)
        #expect(costs.status == 0, "\(costs.output)")
        #expect(try JSONSchemaCheck.problem(costs.stdout, schema: "costs") == nil, "\(costs.stdout)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(costs.stdout.utf8)) as? [String: Any])
        let tiers = try #require(report["tiers"] as? [[String: Any]])
        #expect(tiers.map { $0["tier"] as? String } == ["local", "s3", "glacier"])
        #expect(tiers.map { $0["storageClass"] as? String } == ["local", "STANDARD", "GLACIER"])
        #expect(tiers.map { $0["sets"] as? Int } == [2, 2, 1])
        let s3 = tiers[1], glacier = tiers[2]
        let s3Bytes = try #require(s3["storedBytes"] as? Int)
        #expect(abs((s3["storagePerMonth"] as? Double ?? 0) - Double(s3Bytes) / 1e9 * 2.5) < 1e-9, "COST_PRICES priced it: \(s3)")
        #expect((tiers[0]["storagePerMonth"] as? Double) == 0)
        #expect((glacier["notes"] as? [String])?.first?.contains("at least 90 days") == true, "\(glacier)")
        #expect((glacier["retrievalOfNewestSet"] as? [String: Double])?["Standard"] != nil)

        let text = try setup.run(["report", "--costs"])
        #expect(text.status == 0 && text.stdout.split(separator: "\n").last?.hasPrefix("costs: ") == true, "\(text.output)")
        let wrong = try setup.run(["report", "--costs"], ["COST_PRICES": "STANDARD=cheap"])
        #expect(wrong.status == 64 && wrong.stderr.contains("COST_PRICES"), "\(wrong.output)")
    }

    @Test func weeklyArchivesGoToGlacierAndNeedAThaw() throws {
        guard let server = try TestServers.s3() else { return }
        let setup = try Setup(server: server)
        let backup = try setup.run(["backup", "--tier", "local,glacier", "--components", "config"])
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let glacier = try setup.tier("lifeboat/prod/glacier")
        #expect(try glacier.archiveState(key: "\(id)/config.tar.zst") == .archived)
        #expect(try setup.listed().first?["tiers"] as? [String] == ["local", "glacier"])

        let frozen = try setup.run(["restore", id, "--from", "glacier", "--to", setup.dir.sub("out")])
        #expect(frozen.status == 1, "\(frozen.output)")
        #expect(frozen.stderr.contains("thaw"), "\(frozen.output)")
        let thaw = try setup.run(["thaw", id])
        #expect([0, 75].contains(thaw.status), "\(thaw.output)")
        if thaw.status == 0 {
            let restore = try setup.run(["restore", id, "--from", "glacier", "--to", setup.dir.sub("out")])
            #expect(restore.status == 0, "\(restore.output)")
        }
        // Prune shows every tier's plan.
        let prune = try setup.run(["prune", "--dry-run"])
        #expect(prune.status == 0 && prune.stdout.contains("glacier") && prune.stdout.contains("local"), "\(prune.output)")
    }
}

/// The S3 server lost in the middle of a multipart upload, for good: the
/// backup fails cleanly with the local set intact; once the server is back,
/// `copy` removes the unfinished upload and completes the copy.
@Suite(.serialized) struct S3OutageCLITests {
    @Test func aServerLostMidUploadLeavesTheLocalSetAndNoOrphansAfterTheRetry() throws {
        guard let server = try TestServers.s3() else { return }
        var setup = try S3CLITests.Setup(server: server)
        var generator = SplitMix64(seed: 3)
        let random = (0..<(24 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        FileManager.default.createFile(atPath: setup.dir.sub("uploads/random.bin"), contents: Data(random))
        let port = RedisProcess.freePort()
        let script = FileManager.default.currentDirectoryPath + "/Tests/tools/tcp_proxy.py"
        let target = server.endpoint.replacingOccurrences(of: "http://", with: "")
        func proxy(_ extra: [String]) throws -> Process {
            let process = try ProcessRunner.start("/usr/bin/python3", [script, String(port), target] + extra, discardOutput: true)
            ProcessRunner.waitForPort(port)
            return process
        }
        setup.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(port)"
        setup.env["S3_PART_SIZE_MB"] = "5"
        setup.env["BACKUP_COMPRESSION"] = "none"
        // Dies after 12 MB went upstream: two parts in, the third cut off.
        let dying = try proxy([String(12 << 20)])
        defer { dying.terminate() }
        let backup = try setup.run(["backup", "--components", "files"])
        #expect(backup.status == 1, "\(backup.output)")
        #expect(backup.stderr.contains("complete in the local tier"), "\(backup.output)")
        let id = try #require(try FileManager.default.contentsOfDirectory(atPath: setup.dir.sub("backup")).first { $0.contains("-full-") })
        let local = try setup.run(["verify", id, "--from", "local"])
        #expect(local.status == 0, "the local set is intact: \(local.output)")
        let direct = try setup.tier()
        #expect(try direct.list(prefix: "").isEmpty, "no remote object without its manifest is listed")
        #expect(try direct.incompleteUploads(prefix: "").count == 1, "the abort could not reach the server")

        // The server is back: copy cleans the unfinished upload and completes.
        let healthy = try proxy([])
        defer { healthy.terminate() }
        let copy = try setup.run(["copy", id, "--tier", "s3"])
        #expect(copy.status == 0, "\(copy.output)")
        #expect(try direct.incompleteUploads(prefix: "").isEmpty, "an orphan multipart upload is left")
        let remote = try setup.run(["verify", id, "--from", "s3"])
        #expect(remote.status == 0, "\(remote.output)")
    }

    @Test func aCopyKilledMidUploadIsNeverListedAndTheNextCopyCleansUp() throws {
        guard let server = try TestServers.s3() else { return }
        var setup = try S3CLITests.Setup(server: server)
        var generator = SplitMix64(seed: 5)
        let random = (0..<(96 << 20)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        FileManager.default.createFile(atPath: setup.dir.sub("uploads/random.bin"), contents: Data(random))
        setup.env["BACKUP_COMPRESSION"] = "none"
        setup.env["S3_PART_SIZE_MB"] = "5"
        let local = try setup.run(["backup", "--components", "files", "--tier", "local"])
        #expect(local.status == 0, "\(local.output)")
        let id = local.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let direct = try setup.tier()

        let copy = try ProcessRunner.start(ProcessRunner.lifeboatBinary, ["copy", id, "--tier", "s3"], environment: setup.env, discardOutput: true)
        var sawUpload = false
        for _ in 0..<400 where !sawUpload {
            sawUpload = ((try? direct.incompleteUploads(prefix: "")) ?? []).count > 0
            if !sawUpload { Thread.sleep(forTimeInterval: 0.01) }
        }
        kill(copy.processIdentifier, SIGKILL)
        copy.waitUntilExit()
        #expect(sawUpload, "the upload was not caught in progress")
        let listed = try setup.run(["list", "--tier", "s3", "--json"])
        #expect(!listed.stdout.contains(id), "a killed copy is listed: \(listed.output)")

        let again = try setup.run(["copy", id, "--tier", "s3"])
        #expect(again.status == 0, "\(again.output)")
        #expect(try direct.incompleteUploads(prefix: "").isEmpty)
        #expect(try setup.run(["verify", id, "--from", "s3"]).status == 0)
    }
}
