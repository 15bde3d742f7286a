import Foundation
import Testing
import TestSupport

/// The worst day, as a user meets it: the CLI binary against real servers,
/// with real environment variables. Every restore does exactly what it
/// says, every good backup can be restored, and a check that could not run
/// never marks a good set failed.
@Suite struct RestoreTruthTests {
    let binary = ProcessRunner.lifeboatBinary
    static let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"

    func lifeboat(_ arguments: [String], _ environment: [String: String]) throws -> ProcessResult {
        try ProcessRunner.run(binary, arguments, environment: environment)
    }

    @discardableResult
    static func mongo(_ uri: String, _ db: String, _ script: String) throws -> String {
        let result = try ProcessRunner.run(python, ["-c", "import pymongo, sys\nc = pymongo.MongoClient(sys.argv[1])\nd = c[sys.argv[2]]\n" + script, uri, db])
        #expect(result.status == 0, "\(result.output)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func dropDatabases(_ uri: String, prefix: String) {
        _ = try? ProcessRunner.run(python, ["-c", "import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); [c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, prefix])
    }

    static func seedShop(_ uri: String, _ db: String) throws {
        try mongo(uri, db, """
            d.users.insert_many([{"_id": i, "name": "user %d" % i} for i in range(100)])
            d.orders.insert_many([{"_id": i, "user": i % 100, "total": i * 1.5} for i in range(100)])
            """)
    }

    // MARK: - Finding 1: a backup under a steady writer restores, all four together

    @Test func everyComponentTakenUnderWritersRestoresExactlyAllFourTogether() throws {
        guard let uri = try TestServers.mongoURI(), try Skips.require(RedisProcess.available, "redis-server") else { return }
        let db = TestServers.uniquePrefix("truth")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.seedShop(uri, db)
        let source = try RedisProcess()
        let target = try RedisProcess()
        _ = try source.cli(["EVAL", RedisData.seedScript, "0", "20000"])
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("uploads"), withIntermediateDirectories: true)
        for i in 0..<200 { try Data("file \(i)\n".utf8).write(to: URL(fileURLWithPath: dir.sub("uploads/f\(i).txt"))) }
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: dir.sub("app.env")))

        // Writers on all three sources while the backup runs.
        let redisWriter = try ProcessRunner.start("/usr/bin/redis-benchmark", ["-p", String(source.port), "-t", "set", "-r", "100000000",
                                                                                  "-n", "2000000", "-c", "4", "-q"], discardOutput: true)
        let mongoWriter = try ProcessRunner.start(Self.python, ["-c", """
            import pymongo, sys, itertools
            d = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]
            for i in range(1000, 60000):
                d.orders.insert_one({"_id": i, "total": i})
            """, uri, db], discardOutput: true)
        // Bounded writers: a file every few milliseconds, up to 3,000.
        let filesWriter = try ProcessRunner.start("/bin/sh", ["-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo $i > \"$0/w$i.txt\"; sleep 0.005; done", dir.sub("uploads")],
                                                  discardOutput: true)
        defer {
            for writer in [redisWriter, mongoWriter, filesWriter] where writer.isRunning { kill(writer.processIdentifier, SIGKILL) }
        }
        Thread.sleep(forTimeInterval: 1)
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri, "REDIS_URL": "redis://127.0.0.1:\(source.port)/",
                   "UPLOADS_DIR": dir.sub("uploads"), "CONFIG_PATHS": dir.sub("app.env"), "BACKUP_SKIP_UNREADABLE": "true"]
        let backup = try lifeboat(["backup"], env)
        #expect(backup.status == 0, "\(backup.output)")
        for writer in [redisWriter, mongoWriter, filesWriter] { kill(writer.processIdentifier, SIGKILL) }
        let verify = try lifeboat(["verify"], env)
        #expect(verify.status == 0, "\(verify.output)")

        // The snapshot's own count is in the manifest.
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.sub("backup/\(id)/manifest.json")))) as! [String: Any]
        let redis = (manifest["artifacts"] as! [[String: Any]]).first { $0["component"] as? String == "redis" }!["redis"] as! [String: Any]
        #expect(redis["keysCountedIn"] as? String == "snapshot")
        let snapshotKeys = (redis["keysPerDatabase"] as! [String: Int]).values.reduce(0, +)

        // All four together, into other places: exit 0, exact contents.
        var restoreEnv = env
        restoreEnv["REDIS_URL"] = "redis://127.0.0.1:\(target.port)/"
        let restore = try lifeboat(["restore", id, "--to", dir.sub("out"), "--ns-from", "\(db).*", "--ns-to", "\(db)copy.*"], restoreEnv)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stdout.contains("restored \(id): mongo → MongoDB, redis → Redis, files → \(dir.sub("out/files")), config → "), "\(restore.stdout)")
        #expect(Int(try target.cli(["DBSIZE"])) == snapshotKeys, "the target holds exactly the snapshot's keys")
        // The restored documents are the archive's, counted against the manifest (a difference would exit 65).
        #expect(restore.stderr.contains("documents restored"), "\(restore.stderr)")

        // And each on its own.
        let again = try RedisProcess()
        restoreEnv["REDIS_URL"] = "redis://127.0.0.1:\(again.port)/"
        for (component, extra) in [("mongo", ["--ns-from", "\(db).*", "--ns-to", "\(db)one.*"]), ("redis", []), ("files", ["--to", dir.sub("one")]),
                                   ("config", ["--to", dir.sub("one")])] {
            let one = try lifeboat(["restore", id, "--components", component] + extra, restoreEnv)
            #expect(one.status == 0, "\(component): \(one.output)")
        }
        #expect(Int(try again.cli(["DBSIZE"])) == snapshotKeys)
    }

    // MARK: - A component that fails while restoring does not stop the others

    @Test func aFailingComponentLeavesTheOthersRestoredAndTheLastLineSaysWhich() throws {
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let source = try RedisProcess()
        _ = try source.cli(["SET", "k", "v"])
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        TreeBuilder.write(dir.sub("app.env"), "A=1\n")
        let env = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(source.port)/", "UPLOADS_DIR": dir.sub("uploads"),
                   "CONFIG_PATHS": dir.sub("app.env")]
        let backup = try lifeboat(["backup"], env)
        #expect(backup.status == 0, "\(backup.output)")
        // A target that passes the checks (empty, reachable) but is a replica: the online restore refuses it when it starts.
        let master = try RedisProcess()
        let replica = try RedisProcess()
        _ = try replica.cli(["REPLICAOF", "127.0.0.1", String(master.port)])
        var restoreEnv = env
        restoreEnv["REDIS_URL"] = "redis://127.0.0.1:\(replica.port)/"
        let restore = try lifeboat(["restore", "--to", dir.sub("out")], restoreEnv)
        #expect(restore.status != 0, "\(restore.output)")
        #expect(restore.stdout.contains("NOT restored: redis"), "\(restore.stdout)")
        #expect(restore.stdout.contains("restored: files → \(dir.sub("out/files")), config → \(dir.sub("out/config"))"), "\(restore.stdout)")
        #expect(restore.stderr.contains("incomplete: restored files, config; NOT restored: redis"), "\(restore.stderr)")
        #expect(restore.stderr.contains("--components redis"), "\(restore.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.sub("out/files/a.txt")))
        #expect(FileManager.default.fileExists(atPath: dir.sub("out/config") + dir.sub("app.env")))
    }

    // MARK: - Finding 2: --ns-from/--ns-to restore only what they rename

    @Test func aRenamedRestoreTouchesOnlyTheRenamedNamespace() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("ren")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.seedShop(uri, db)
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]
        let backup = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"], env)
        #expect(backup.status == 0, "\(backup.output)")
        try Self.mongo(uri, db, "d.orders.delete_many({'_id': {'$lt': 50}})")

        let restore = try lifeboat(["restore", "--components", "mongo", "--ns-from", "\(db).users", "--ns-to", "\(db)copy.users"], env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try Self.mongo(uri, db, "print(d.orders.count_documents({}))") == "50", "production orders were written to")
        #expect(try Self.mongo(uri, db + "copy", "print(d.users.count_documents({}), sorted(d.list_collection_names()))") == "100 ['users']")
    }

    // MARK: - Finding 3: --overwrite replaces MongoDB; neither flag refuses

    @Test func overwriteReplacesMongoAndANonEmptyTargetIsRefused() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("ovw")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.seedShop(uri, db)
        let dir = TemporaryDirectory()
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]
        #expect(try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"], env).status == 0)
        try Self.mongo(uri, db, "d.users.update_one({'_id': 7}, {'$set': {'name': 'changed'}})")

        let refused = try lifeboat(["restore", "--components", "mongo"], env)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.stderr.contains("refused, nothing was changed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\(db).users (100 documents)") && refused.stderr.contains("--overwrite"), "\(refused.stderr)")
        #expect(try Self.mongo(uri, db, "print(d.users.find_one({'_id': 7})['name'])") == "changed")

        let replaced = try lifeboat(["restore", "--components", "mongo", "--overwrite"], env)
        #expect(replaced.status == 0, "\(replaced.output)")
        #expect(try Self.mongo(uri, db, "print(d.users.find_one({'_id': 7})['name'])") == "user 7")
        #expect(try Self.mongo(uri, db, "print(d.users.count_documents({}), d.orders.count_documents({}))") == "100 100")
    }

    // MARK: - Finding 5: one damaged artifact blocks only its component

    @Test func aDamagedArtifactBlocksOnlyItsOwnComponent() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("dmg")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.seedShop(uri, db)
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("uploads"), withIntermediateDirectories: true)
        for i in 0..<50 { try Data(repeating: UInt8(i), count: 10_000).write(to: URL(fileURLWithPath: dir.sub("uploads/f\(i)"))) }
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri, "UPLOADS_DIR": dir.sub("uploads")]
        let backup = try lifeboat(["backup", "--components", "mongo,files", "--ns", "\(db).*"], env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let artifact = dir.sub("backup/\(id)/files.tar.zst")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: artifact))
        try handle.seek(toOffset: 200)
        try handle.write(contentsOf: Data([0xFF, 0x00, 0xFF]))
        try handle.close()

        let verify = try lifeboat(["verify", id], env)
        #expect(verify.status == 3, "\(verify.output)")
        #expect(verify.stderr.contains("lifeboat restore \(id) --components mongo"), "\(verify.stderr)")

        let all = try lifeboat(["restore", id, "--to", dir.sub("out"), "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(all.status == 3, "\(all.output)")
        #expect(all.stderr.contains("refused, nothing was changed") && all.stderr.contains("files: files.tar.zst failed its last verification"), "\(all.stderr)")
        #expect(all.stderr.contains("--components mongo"), "\(all.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.sub("out/files")))

        let mongo = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(mongo.status == 0, "\(mongo.output)")
        #expect(try Self.mongo(uri, db + "r", "print(d.users.count_documents({}))") == "100")
    }

    // MARK: - Finding 6: a check that could not run is "not checked"

    @Test func aDeepVerificationWithoutItsServerIsNotCheckedAndBlocksNothing() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("nck")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.seedShop(uri, db)
        let dir = TemporaryDirectory()
        var env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]
        let backup = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"], env)
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        env["VERIFY_MONGO_URI"] = "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=1000"
        let deep = try lifeboat(["verify", "--deep"], env)
        #expect(deep.status == 2, "\(deep.output)")
        #expect(deep.stdout.contains("mongo.archive.zst") && deep.stdout.contains(" ok"), "\(deep.stdout)")
        #expect(deep.stdout.contains("not checked: test restore could not run"), "\(deep.stdout)")
        #expect(!deep.stdout.contains("FAILED"), "\(deep.stdout)")
        let record = try String(contentsOfFile: dir.sub("backup/\(id)/verification.json"), encoding: .utf8)
        #expect(record.contains("\"state\" : \"not-checked\""), "\(record)")

        env.removeValue(forKey: "VERIFY_MONGO_URI")
        let list = try lifeboat(["list"], env)
        #expect(!list.stdout.contains("failed"), "\(list.stdout)")
        let restore = try lifeboat(["restore", "latest", "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stdout.contains("restored \(id)"), "latest skipped the set: \(restore.output)")
    }

    // MARK: - Finding 7: misspelt variables, declared components, a component gone

    @Test func misspeltVariablesAreErrorsAndAVanishedComponentFailsTheBackup() throws {
        guard try Skips.require(RedisProcess.available, "redis-server") else { return }
        let redis = try RedisProcess()
        _ = try redis.cli(["SET", "k", "v"])
        let dir = TemporaryDirectory()
        let base = ["BACKUP_DIR": dir.sub("backup"), "REDIS_URL": "redis://127.0.0.1:\(redis.port)/", "LIFEBOAT_PROGRESS": "off"]
        var typos = base
        typos["MONGO_URL"] = "mongodb://127.0.0.1:1/"
        typos["UPLOAD_DIR"] = dir.path
        typos["AWS_S3_BUKCET"] = "bucket"
        typos["LOCAL_RETENTION_DAY"] = "3"
        typos["AWS_PROFILE"] = "default"  // the AWS SDK's own: left alone
        let config = try lifeboat(["config"], typos)
        #expect(config.status == 64, "\(config.output)")
        for (wrong, right) in [("MONGO_URL", "MONGO_URI"), ("UPLOAD_DIR", "UPLOADS_DIR"), ("AWS_S3_BUKCET", "AWS_S3_BUCKET"), ("LOCAL_RETENTION_DAY", "LOCAL_RETENTION_DAYS")] {
            #expect(config.output.contains("\(wrong): is not read by Lifeboat; did you mean \(right)?"), "\(wrong): \(config.output)")
        }
        #expect(!config.output.contains("AWS_PROFILE:") && !config.output.contains("LIFEBOAT_PROGRESS is"), "\(config.output)")
        #expect(!config.stdout.contains("configuration is valid"))
        let backup = try lifeboat(["backup"], typos)
        #expect(backup.status == 64, "\(backup.output)")
        #expect(backup.stderr.contains("did you mean MONGO_URI?"), "\(backup.stderr)")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: dir.sub("backup"))) ?? []
        #expect(folders.filter { !$0.hasPrefix(".") }.isEmpty, "\(folders)")
        // Other verbs only warn.
        try FileManager.default.createDirectory(atPath: dir.sub("backup"), withIntermediateDirectories: true)
        let list = try lifeboat(["list"], typos)
        #expect(list.status == 0, "\(list.output)")
        #expect(list.stderr.contains("warning: MONGO_URL: is not read by Lifeboat; did you mean MONGO_URI?"), "\(list.stderr)")

        // BACKUP_COMPONENTS: a listed component without its variable is an error naming it.
        var declared = base
        declared["BACKUP_COMPONENTS"] = "mongo,redis"
        let missingVariable = try lifeboat(["config"], declared)
        #expect(missingVariable.status == 64)
        #expect(missingVariable.stdout.contains("BACKUP_COMPONENTS=mongo,redis: lists 'mongo', which needs MONGO_URI"), "\(missingVariable.output)")

        // A backup with fewer components than the newest full set fails with COMPONENT_MISSING.
        var both = base
        both["CONFIG_PATHS"] = dir.sub("app.env")
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: dir.sub("app.env")))
        let first = try lifeboat(["backup"], both)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stderr.contains("components: redis, config (found from"), "\(first.stderr)")
        let fewer = try lifeboat(["backup"], base)
        #expect(fewer.status == 64, "\(fewer.output)")
        #expect(fewer.stderr.contains("COMPONENT_MISSING") && fewer.stderr.contains("config (CONFIG_PATHS is not set)"), "\(fewer.stderr)")
        // Asked for on purpose, it goes ahead.
        #expect(try lifeboat(["backup", "--components", "redis"], base).status == 0)
    }

    // MARK: - Size within the expected range

    @Test func anEmptiedUploadsFolderIsASizeAnomaly() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("uploads"), withIntermediateDirectories: true)
        for i in 0..<40 { try Data(repeating: UInt8(i), count: 50_000).write(to: URL(fileURLWithPath: dir.sub("uploads/f\(i)"))) }
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        for _ in 0..<2 { #expect(try lifeboat(["backup"], env).status == 0) }
        for i in 0..<40 { try FileManager.default.removeItem(atPath: dir.sub("uploads/f\(i)")) }
        let empty = try lifeboat(["backup"], env)
        #expect(empty.status == 4, "\(empty.output)")
        #expect(empty.stderr.contains("BACKUP_SIZE_ANOMALY") && empty.stderr.contains("files: 0 files, the median of the last 2 full set(s) is 40 files"), "\(empty.stderr)")
        let list = try lifeboat(["list"], env)
        #expect(list.stdout.contains("ANOMALY"), "\(list.stdout)")
    }

    /// A set whose files artifact is a hostile tar, with its hash and size
    /// made to match (someone who can write the bucket can do that): the
    /// restore refuses the entry, exit 65, and writes nothing outside.
    @Test func aHostileArchiveInAConsistentSetExits65() throws {
        let dir = TemporaryDirectory()
        TreeBuilder.write(dir.sub("uploads/a.txt"), "a")
        let env = ["BACKUP_DIR": dir.sub("backup"), "UPLOADS_DIR": dir.sub("uploads")]
        let id = try lifeboat(["backup", "--components", "files"], env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = dir.sub("backup/\(id)")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LifeboatTests/Fixtures/hostile/absolute.tar").path
        _ = try ProcessRunner.shell("rm -f /tmp/lifeboat-hostile-absolute.txt; zstd -q -f '\(fixture)' -o '\(folder)/files.tar.zst'")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/files.tar.zst"))
        let sha = try ProcessRunner.shell("sha256sum '\(folder)/files.tar.zst' | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as! [String: Any]
        var artifacts = manifest["artifacts"] as! [[String: Any]]
        artifacts[0]["sha256"] = sha
        artifacts[0]["storedBytes"] = data.count
        manifest["artifacts"] = artifacts
        manifest["storedBytes"] = artifacts.reduce(0) { $0 + ($1["storedBytes"] as? Int ?? 0) + ((($1["index"] as? [String: Any])?["storedBytes"] as? Int) ?? 0) }
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: folder + "/manifest.json"))

        let restore = try lifeboat(["restore", id, "--to", dir.sub("out")], env)
        #expect(restore.status == 65, "\(restore.output)")
        #expect(restore.output.contains("refusing archive entry '/tmp/lifeboat-hostile-absolute.txt'"), "\(restore.output)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/lifeboat-hostile-absolute.txt"))
    }

    // MARK: - Finding 8: a manifest that does not match, or names files outside its set

    @Test func aRestoreCrossChecksCountsAndRefusesForeignArtifactNames() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("xck")
        defer { Self.dropDatabases(uri, prefix: db) }
        try Self.mongo(uri, db, "d.items.insert_many([{'_id': i} for i in range(4000)])")
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.sub("uploads"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.sub("uploads/a")))
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri, "UPLOADS_DIR": dir.sub("uploads")]
        let backup = try lifeboat(["backup", "--components", "mongo,files", "--ns", "\(db).*"], env)
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = dir.sub("backup/\(id)/manifest.json")
        let original = try String(contentsOfFile: path, encoding: .utf8)

        try original.replacingOccurrences(of: "\"documents\" : 4000", with: "\"documents\" : 3999").write(toFile: path, atomically: true, encoding: .utf8)
        let restore = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(restore.status == 65, "\(restore.output)")
        #expect(restore.output.contains("\(db)r.items: 4000 documents restored, the manifest says 3999"), "\(restore.output)")
        #expect(restore.stdout.contains("NOT restored: mongo"), "\(restore.stdout)")

        try original.replacingOccurrences(of: "\"file\" : \"files.tar.zst\"", with: "\"file\" : \"../evil.tar.zst\"").write(toFile: path, atomically: true, encoding: .utf8)
        for verb in [["restore", id, "--to", dir.sub("out")], ["verify", id]] {
            let result = try lifeboat(verb, env)
            #expect(result.status == 65, "\(verb[0]): \(result.output)")
            #expect(result.stderr.contains("names an artifact '../evil.tar.zst'"), "\(verb[0]): \(result.stderr)")
        }

        try original.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir.sub("backup/\(id)/files.index.zst"))
        let verify = try lifeboat(["verify", id], env)
        #expect(verify.status == 3)
        #expect(verify.stdout.contains("its index files.index.zst is missing"), "\(verify.stdout)")
    }
}
