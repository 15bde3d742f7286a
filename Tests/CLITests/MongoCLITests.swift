import Foundation
import Testing
import TestSupport

/// The mongo component through the binary, against the real test servers.
@Suite(.serialized) struct MongoCLITests {
    let binary = ProcessRunner.lifeboatBinary

    func lifeboat(_ arguments: [String], _ environment: [String: String]) throws -> ProcessResult {
        try ProcessRunner.run(binary, arguments, environment: environment)
    }

    /// Loads a small dataset under unique database names with a stock
    /// mongodump archive, using the binary's own restore... of a set made
    /// by hand would be circular; the dataset is written through mongosh-free
    /// Extended JSON inserts instead.
    func seed(_ uri: String, db: String) throws {
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        let script = """
        import pymongo, sys
        c = pymongo.MongoClient(sys.argv[1])
        d = c[sys.argv[2]]
        d.users.insert_many([{"_id": i, "name": "user %d" % i, "email": "u%d@example.com" % i} for i in range(200)])
        d.users.create_index("email", unique=True)
        d.orders.insert_many([{"_id": i, "user": i % 200, "total": i * 1.5} for i in range(500)])
        d.create_collection("recent", viewOn="orders", pipeline=[{"$match": {"total": {"$gt": 100}}}])
        """
        let result = try ProcessRunner.run(python, ["-c", script, uri, db])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func backupVerifyDeepAndRestoreWithRenames() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("cli")
        let dir = TemporaryDirectory()
        defer { _ = try? ProcessRunner.run(FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python",
                                          ["-c", "import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); [c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, db]) }
        try seed(uri, db: db)
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]

        let backup = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*", "--ns-exclude", "\(db).orders"], env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try String(contentsOfFile: dir.sub("backup/\(id)/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"namespace\" : \"\(db).users\""))
        #expect(!manifest.contains("\(db).orders\""), "excluded namespace was dumped")
        #expect(manifest.contains("\"digest\""))
        // The stored artifact is a zstd-compressed mongodump archive.
        let magic = try ProcessRunner.shell("zstd -dc '\(dir.sub("backup/\(id)/mongo.archive.zst"))' | head -c 4 | od -An -tx1")
        #expect(magic.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "6d e2 99 81")

        let verify = try lifeboat(["verify", id, "--deep"], env)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.stdout.contains("test restore (MongoDB):"))
        #expect(verify.stdout.contains("\(db).users"))
        // Its scratch databases (lbv<tag>_<db>) are gone afterwards; other
        // tests' deep verifications may be running on the same server.
        let leftovers = try ProcessRunner.run(FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python",
                                              ["-c", "import pymongo,sys; print([n for n in pymongo.MongoClient(sys.argv[1]).list_database_names() if n.startswith('lbv') and n.split('_', 1)[-1] == sys.argv[2]])", uri, db])
        #expect(leftovers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        let restore = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.stderr.contains("200 documents restored,"), "\(restore.stderr)")
        // Again into the same names: refused, naming what is there; nothing changes.
        let again = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*"], env)
        #expect(again.status == 64, "\(again.output)")
        #expect(again.stderr.contains("MongoDB already holds") && again.stderr.contains("\(db)r.users (200 documents)"), "\(again.stderr)")
        #expect(again.stderr.contains("--overwrite") && again.stderr.contains("--merge"), "\(again.stderr)")
        // --merge: nothing inserted, every document counted as kept; exit 0, and the last line says so.
        let merged = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*", "--merge"], env)
        #expect(merged.status == 0, "\(merged.output)")
        #expect(merged.stderr.contains("0 documents restored, 200 already there kept (--merge)"), "\(merged.stderr)")
        #expect(merged.stdout.contains("200 documents already there were kept (--merge)"), "\(merged.stdout)")
        // --overwrite replaces: every document restored again.
        let replaced = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)r.*", "--overwrite"], env)
        #expect(replaced.status == 0, "\(replaced.output)")
        #expect(replaced.stderr.contains("200 documents restored,"), "\(replaced.stderr)")
    }

    /// gzip is compressed in parallel as independent members (as pigz), a
    /// standard stream that `gzip -t` (and `mongorestore --gzip`) read
    /// whole; the restore's insertion parallelism is measured unless fixed.
    @Test func gzipInMembersAndTheInsertionParallelism() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("gz")
        let dir = TemporaryDirectory()
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        defer { _ = try? ProcessRunner.run(python, ["-c", "import pymongo,sys; c=pymongo.MongoClient(sys.argv[1]); [c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, db]) }
        // 6,000 documents of ~1 KB that do not compress to nothing: several 2 MiB members.
        let seed = try ProcessRunner.run(python, ["-c", """
            import pymongo, sys, os
            d = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]
            d.docs.insert_many([{"_id": i, "blob": os.urandom(700).hex()[:1000]} for i in range(6000)])
            d.docs.create_index("blob")
            """, uri, db])
        #expect(seed.status == 0, "\(seed.output)")
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri, "BACKUP_COMPRESSION": "gzip"]
        let backup = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"], env)
        #expect(backup.status == 0, "\(backup.output)")
        let id = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let artifact = dir.sub("backup/\(id)/mongo.archive.gz")
        #expect(try GzipMembers.count(artifact) >= 2)
        let stock = try ProcessRunner.shell("gzip -t '\(artifact)' && gzip -dc '\(artifact)' | head -c 4 | od -An -tx1")
        #expect(stock.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "6d e2 99 81", "\(stock.output)")
        let verify = try lifeboat(["verify", id, "--deep"], env)
        #expect(verify.status == 0, "\(verify.output)")

        let auto = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)a.*"], env)
        #expect(auto.status == 0, "\(auto.output)")
        #expect(auto.stderr.contains("6000 documents restored") && auto.stderr.contains("inserting, measured"), "\(auto.stderr)")
        var fixed = env
        fixed["MONGO_RESTORE_WORKERS"] = "2"
        let two = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)b.*"], fixed)
        #expect(two.status == 0, "\(two.output)")
        #expect(two.stderr.contains("6000 documents restored") && two.stderr.contains("(2 connections inserting)"), "\(two.stderr)")
        fixed["MONGO_RESTORE_WORKERS"] = "0"
        let wrong = try lifeboat(["restore", id, "--components", "mongo", "--ns-from", "\(db).*", "--ns-to", "\(db)c.*"], fixed)
        #expect(wrong.status == 64, "\(wrong.output)")
        #expect(wrong.stderr.contains("MONGO_RESTORE_WORKERS=0: must be auto or a whole number from 1 to 32"), "\(wrong.stderr)")
    }

    @Test func wrongCredentialsUnreachableAndTyposFailWithoutPublishing() throws {
        guard try TestServers.mongoURI() != nil else { return }
        let authURI = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_MONGO_AUTH_URI"]
        guard try Skips.require(authURI != nil, "the authenticating test server (LIFEBOAT_TEST_MONGO_AUTH_URI)") else { return }
        let dir = TemporaryDirectory()
        let wrong = authURI!.replacingOccurrences(of: "s3cret", with: "hunter2")
        let cases: [(String, Int32, String)] = [
            (wrong, 1, "refused the credentials"),
            ("mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=1500", 1, "cannot reach MongoDB"),
            (authURI!.replacingOccurrences(of: "lifeboat:s3cret", with: "app:hunter2") + "&authMechanism=NOPE", 64, "MONGO_URI"),
            ("mongdb://app:hunter2@127.0.0.1/", 64, "MONGO_URI"),
        ]
        for (uri, status, fragment) in cases {
            let result = try lifeboat(["backup", "--components", "mongo"], ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri])
            #expect(result.status == status, "\(uri): \(result.output)")
            #expect(result.stderr.contains(fragment), "\(uri): \(result.stderr)")
            #expect(!result.output.contains("hunter2"), "a password was printed: \(result.output)")
            let listed = try lifeboat(["list", "--json"], ["BACKUP_DIR": dir.sub("backup")])
            #expect(ListJSON.sets(listed.stdout)?.isEmpty == true, "\(listed.output)")
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: dir.sub("backup")))?.filter { !$0.hasPrefix(".") } ?? []
            #expect(folders.isEmpty, "a failed backup left \(folders)")
        }
        // The right credentials work.
        let good = try lifeboat(["backup", "--components", "mongo"], ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": authURI!])
        #expect(good.status == 0, "\(good.output)")
    }
}
