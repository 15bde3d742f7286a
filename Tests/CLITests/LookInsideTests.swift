import Foundation
import S3Storage
import Storage
import Testing
import TestSupport

/// `ls`, `find`, `diff`, `dump` and `restore --include` on real sets: a
/// chain of days on the local tier, a set in S3 (moto) read by ranges,
/// an encrypted one, and a damaged frame.
@Suite struct LookInsideTests {
    static func random(_ count: Int, seed: UInt64) -> Data {
        var generator = SplitMix64(seed: seed)
        return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aChainOfDaysIsListedFoundDiffedAndRestoredInPart() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        TreeBuilder.awkwardTree(at: up + "/base")
        FileManager.default.createFile(atPath: up + "/bulk.bin", contents: Self.random(12 << 20, seed: 7))
        for i in 0..<20 { TreeBuilder.write(up + "/docs/d\(i).txt", "document \(i)\n") }
        TreeBuilder.write(dir.sub("etc/app.env"), "TOKEN=one\n", mode: 0o600)
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up, "CONFIG_PATHS": dir.sub("etc/app.env")]
        func run(_ arguments: [String]) throws -> ProcessResult { try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env) }
        func backup(_ kind: String) throws -> String {
            Thread.sleep(forTimeInterval: 1.1)  // past the racy-mtime second
            let result = try run(["backup", "--kind", kind])
            #expect(result.status == 0, "\(result.output)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let day0 = try backup("full")
        let original1 = try Data(contentsOf: URL(fileURLWithPath: up + "/docs/d1.txt"))
        TreeBuilder.write(up + "/docs/d1.txt", "edited on day 1, longer\n")
        TreeBuilder.write(up + "/docs/new.txt", "added on day 1\n")
        let day1 = try backup("incremental")
        try FileManager.default.removeItem(atPath: up + "/docs/d2.txt")
        try FileManager.default.moveItem(atPath: up + "/docs/d3.txt", toPath: up + "/docs/renamed.txt")
        let day2 = try backup("incremental")
        #expect(day2.contains("-incr-"))

        // The artifact is a standard stream of several independent frames.
        let frames = try ProcessRunner.shell("zstd -l '\(dir.sub("backup/\(day0)/files.tar.zst"))' | awk 'NR==2 {print $1}'")
        #expect((Int(frames.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2, "\(frames.output)")
        let stock = try ProcessRunner.shell("tar -I zstd -tf '\(dir.sub("backup/\(day0)/files.tar.zst"))' | wc -l")
        #expect((Int(stock.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 25, "\(stock.output)")

        // ls: from the index, a path and what is below it; config by its absolute path.
        let ls = try run(["ls", day2, "docs", "--json"])
        #expect(ls.status == 0, "\(ls.output)")
        #expect(try JSONSchemaCheck.problem(ls.stdout, schema: "ls") == nil)
        let paths = (try Self.json(ls.stdout)["entries"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(paths.contains("docs/renamed.txt") && paths.contains("docs/new.txt") && !paths.contains("docs/d2.txt") && !paths.contains("bulk.bin"), "\(paths)")
        let lsConfig = try run(["ls", day0, dir.sub("etc/app.env")])
        #expect(lsConfig.status == 0 && lsConfig.stdout.contains("app.env") && lsConfig.stdout.contains("-rw-------"), "\(lsConfig.output)")

        // find: when d1 changed, when d2 went.
        let find = try run(["find", "d[12].txt", "--json"])
        #expect(find.status == 0, "\(find.output)")
        #expect(try JSONSchemaCheck.problem(find.stdout, schema: "find") == nil)
        let hits = (try Self.json(find.stdout)["hits"] as? [[String: Any]] ?? []).map { "\($0["id"] as? String ?? "") \($0["path"] as? String ?? "") \($0["change"] as? String ?? "")" }
        #expect(hits.contains("\(day1) docs/d1.txt changed") && hits.contains("\(day2) docs/d2.txt deleted") && hits.contains("\(day0) docs/d2.txt present")
                && hits.contains("\(day1) docs/d2.txt unchanged"), "\(hits)")

        // diff: the rename, the removal, the edit.
        let diff = try run(["diff", day0, day2, "--json"])
        #expect(diff.status == 0, "\(diff.output)")
        #expect(try JSONSchemaCheck.problem(diff.stdout, schema: "diff") == nil)
        let changes = (try Self.json(diff.stdout)["changes"] as? [[String: Any]] ?? []).map { "\($0["kind"] as? String ?? "") \($0["path"] as? String ?? "")" }
        #expect(changes.contains("renamed docs/renamed.txt") && changes.contains("removed docs/d2.txt") && changes.contains("changed docs/d1.txt")
                && changes.contains("added docs/new.txt"), "\(changes)")

        // restore --include: one file of day 0 back to its place, through the chain's newest link of it.
        TreeBuilder.write(up + "/docs/d1.txt", "broken today\n")
        let refused = try run(["restore", day0, "--include", "docs/d1.txt"])
        #expect(refused.status == 64 && refused.stderr.contains("--overwrite") && refused.stderr.contains("docs/d1.txt"), "\(refused.output)")
        let bulkBefore = try FileManager.default.attributesOfItem(atPath: up + "/bulk.bin")[.modificationDate] as? Date
        let back = try run(["restore", day0, "--include", "docs/d1.txt", "--overwrite"])
        #expect(back.status == 0, "\(back.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: up + "/docs/d1.txt")) == original1)
        #expect(try FileManager.default.attributesOfItem(atPath: up + "/bulk.bin")[.modificationDate] as? Date == bulkBefore, "nothing else touched")
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: up)) ?? []).contains { $0.hasPrefix(".lifeboat-") }, "no staging left")
        // A folder from the incremental's chain under --to: exactly that day's docs.
        let folder = try run(["restore", day2, "--include", "docs", "--to", dir.sub("out")])
        #expect(folder.status == 0, "\(folder.output)")
        let restored = try FileManager.default.contentsOfDirectory(atPath: dir.sub("out/files/docs")).sorted()
        let expected = try FileManager.default.contentsOfDirectory(atPath: up + "/docs").sorted()
        #expect(restored == expected, "\(restored) vs \(expected)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.sub("out/files/docs/new.txt"))) == Data("added on day 1\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir.sub("out/files/bulk.bin")))
        // Config: one path under --to.
        let config = try run(["restore", day0, "--include", dir.sub("etc/app.env"), "--to", dir.sub("out")])
        #expect(config.status == 0, "\(config.output)")
        #expect(try String(contentsOfFile: dir.sub("out/config") + dir.sub("etc/app.env"), encoding: .utf8) == "TOKEN=one\n")
        // Nothing matches: refused, saying how to look.
        let none = try run(["restore", day0, "--include", "nothing-like-this"])
        #expect(none.status == 64 && none.stderr.contains("lifeboat ls"), "\(none.output)")

        // A folder on the way replaced by a symlink: placing through it would write elsewhere; refused.
        try FileManager.default.createDirectory(atPath: dir.sub("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: up + "/docs", toPath: dir.sub("docs-aside"))
        try FileManager.default.createSymbolicLink(atPath: up + "/docs", withDestinationPath: dir.sub("elsewhere"))
        let through = try run(["restore", day0, "--include", "docs/d1.txt", "--overwrite"])
        #expect(through.status == 64 && through.stderr.contains("is a symlink here"), "\(through.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.sub("elsewhere")).isEmpty)
        try FileManager.default.removeItem(atPath: up + "/docs")
        try FileManager.default.moveItem(atPath: dir.sub("docs-aside"), toPath: up + "/docs")

        // dump: a file's bytes, a folder as a tar.
        let dump = try ProcessRunner.shell("BACKUP_DIR='\(dir.sub("backup"))' UPLOADS_DIR='\(up)' '\(ProcessRunner.lifeboatBinary)' dump \(day1) bulk.bin | cmp - '\(up)/bulk.bin' && echo SAME")
        #expect(dump.stdout.contains("SAME"), "\(dump.output)")
        let dumpFolder = try ProcessRunner.shell("BACKUP_DIR='\(dir.sub("backup"))' '\(ProcessRunner.lifeboatBinary)' dump \(day2) docs | tar -tf - | grep -c 'docs/'")
        #expect(Int(dumpFolder.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == expected.count + 1, "\(dumpFolder.output)")
    }

    @Test func fromS3OnlyTheFramesHoldingTheFileAreRead() throws {
        guard let server = try TestServers.s3() else { return }
        for encrypted in [false, true] {
            let dir = TemporaryDirectory()
            let bucket = TestServers.uniqueBucket("look")
            let up = dir.sub("uploads")
            try FileManager.default.createDirectory(atPath: up, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: up + "/a-bulk.bin", contents: Self.random(48 << 20, seed: 3))
            let wanted = Self.random(1 << 20, seed: 4)
            FileManager.default.createFile(atPath: up + "/m-invoice.pdf", contents: wanted)
            FileManager.default.createFile(atPath: up + "/z-bulk.bin", contents: Self.random(24 << 20, seed: 5))
            var env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up,
                       "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": server.endpoint, "AWS_REGION": "us-east-1",
                       "AWS_ACCESS_KEY_ID": server.accessKeyID, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey]
            if encrypted { env["BACKUP_ENCRYPTION_PASSPHRASE"] = "correct horse battery staple" }
            try S3Tier(name: "s3", location: try S3Location(bucketAndPrefix: bucket, region: "us-east-1", endpoint: server.endpoint),
                       credentials: S3Credentials(accessKeyID: server.accessKeyID, secretAccessKey: server.secretAccessKey)).createBucket()
            let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
            #expect(backup.status == 0, "\(backup.output)")
            try FileManager.default.removeItem(atPath: dir.sub("backup"))
            let ls = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["ls", "latest", "--from", "s3"], environment: env)
            #expect(ls.status == 0 && ls.stdout.contains("m-invoice.pdf"), "\(ls.output)")
            let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", "latest", "--from", "s3", "--include", "m-invoice.pdf", "--to", dir.sub("out"), "--json"], environment: env)
            #expect(restore.status == 0, "\(restore.output)")
            #expect(try JSONSchemaCheck.problem(restore.stdout, schema: "restore") == nil)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.sub("out/files/m-invoice.pdf"))) == wanted, "encrypted: \(encrypted)")
            // The notes say how much was read: the file's frame, not the 73 MiB set.
            let notes = (try Self.json(restore.stdout)["notes"] as? [String] ?? []).joined(separator: "; ")
            let read = notes.components(separatedBy: "read ").dropFirst().first?.components(separatedBy: " from").first ?? ""
            #expect(read.hasSuffix("MiB") ? (Double(read.dropLast(4)) ?? 99) < 3 : read.hasSuffix("KiB"), "encrypted: \(encrypted), \(notes)")
        }
    }

    @Test func aDamagedFrameFailsAndNothingIsPlaced() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        try FileManager.default.createDirectory(atPath: up, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: up + "/a-target.bin", contents: Self.random(256 << 10, seed: 9))
        FileManager.default.createFile(atPath: up + "/b-bulk.bin", contents: Self.random(16 << 20, seed: 10))
        FileManager.default.createFile(atPath: up + "/c-other.bin", contents: Self.random(100 << 10, seed: 11))
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // A byte flipped inside the first frame (which holds a-target.bin).
        let artifact = dir.sub("backup/\(id)/files.tar.zst")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: artifact))
        try handle.seek(toOffset: 100_000)
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: 100_000)
        try handle.write(contentsOf: Data([byte ^ 0x40]))
        try handle.close()
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--include", "a-target.bin", "--to", dir.sub("out")], environment: env)
        #expect(restore.status == 3, "\(restore.output)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("out/files/a-target.bin")))
        let dump = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["dump", id, "a-target.bin"], environment: env)
        #expect(dump.status == 3 && dump.stdout.isEmpty, "\(dump.status) \(dump.stderr)")
        // A file in frames far from the damage is intact and still comes back.
        let other = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--include", "c-other.bin", "--to", dir.sub("out")], environment: env)
        #expect(other.status == 0, "\(other.output)")
    }

    @Test func aGzipArtifactIsManyMembersThatStockToolsReadWhole() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        try FileManager.default.createDirectory(atPath: up + "/a", withIntermediateDirectories: true)
        for i in 0..<12 { FileManager.default.createFile(atPath: up + "/a/f\(i).bin", contents: Self.random(1_500_000, seed: UInt64(20 + i))) }
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up, "BACKUP_COMPRESSION": "gzip"]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let artifact = dir.sub("backup/\(id)/files.tar.gz")
        // Several gzip members (each a frame), one standard stream for gzip and tar.
        let members = try GzipMembers.count(artifact)
        #expect(members >= 2, "\(members) members")
        let stock = try ProcessRunner.shell("mkdir -p '\(dir.sub("stock"))' && tar xzf '\(artifact)' -C '\(dir.sub("stock"))' && cmp '\(dir.sub("stock"))/a/f7.bin' '\(up)/a/f7.bin' && gzip -t '\(artifact)' && echo OK")
        #expect(stock.stdout.contains("OK"), "\(stock.output)")
        let restore = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["restore", id, "--include", "a/f7.bin", "--to", dir.sub("out")], environment: env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.sub("out/files/a/f7.bin"))) == Data(contentsOf: URL(fileURLWithPath: up + "/a/f7.bin")))
        let verify = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["verify", id], environment: env)
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func aHostileIndexIsRefusedAndNothingOutsideIsTouched() throws {
        let dir = TemporaryDirectory()
        let up = dir.sub("uploads")
        TreeBuilder.write(up + "/a.txt", "a\n")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": up]
        let backup = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["backup"], environment: env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        TreeBuilder.write(dir.sub("victim.txt"), "keep me\n")
        // The index (and the manifest's hash of it) rewritten to name a path above the uploads folder.
        let script = """
            import hashlib, json, struct, subprocess, sys
            folder = sys.argv[1]
            path = b"../victim.txt"
            record = b"f" + struct.pack("<qqqIII", 8, 0, 1, 0o100644, 0, 0) + struct.pack("<I", len(path)) + path + struct.pack("<I", 0) + struct.pack("<qq", 0, 0)
            data = subprocess.run(["zstd", "-q", "-c"], input=b"I" + struct.pack("<I", 2) + record, capture_output=True, check=True).stdout
            open(folder + "/files.index.zst", "wb").write(data)
            m = json.load(open(folder + "/manifest.json"))
            m["artifacts"][0]["index"]["sha256"] = hashlib.sha256(data).hexdigest()
            m["artifacts"][0]["index"]["storedBytes"] = len(data)
            json.dump(m, open(folder + "/manifest.json", "w"))
            """
        let crafted = try ProcessRunner.run("/usr/bin/python3", ["-c", script, dir.sub("backup/\(id)")])
        #expect(crafted.status == 0, "\(crafted.output)")
        for arguments in [["ls", id], ["restore", id, "--include", "victim.txt", "--overwrite"], ["find", "victim.txt"]] {
            let run = try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env)
            #expect(run.output.contains("not a plain relative name"), "\(arguments): \(run.output)")
            #expect(arguments[0] == "find" || run.status == 65, "\(arguments): \(run.status)")
        }
        #expect(try String(contentsOfFile: dir.sub("victim.txt"), encoding: .utf8) == "keep me\n")
    }
}
