import Foundation
import Testing
import TestSupport

/// Incremental sets and point-in-time recovery against the real server: a
/// workload of inserts, updates ($set, $unset, $inc, $push, array updates),
/// deletes, an index build and a collection drop, with the state recorded
/// at known oplog positions; restoring to each position gives exactly that
/// state.
@Suite(.serialized) struct PointInTimeTests {
    static let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"

    /// Runs a pymongo script with the URI and database as argv[1], argv[2]; returns its stdout.
    static func py(_ script: String, _ uri: String, _ db: String, _ extra: [String] = []) throws -> String {
        let result = try ProcessRunner.run(python, ["-c", "import pymongo, sys, json\nc = pymongo.MongoClient(sys.argv[1])\nd = c[sys.argv[2]]\n" + script, uri, db] + extra)
        #expect(result.status == 0, "\(result.output)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every collection's documents, sorted, as canonical text; and the newest oplog position.
    static let snapshot = """
        from bson import json_util
        state = {name: sorted(json_util.dumps(doc, sort_keys=True) for doc in d[name].find()) for name in sorted(d.list_collection_names())}
        print(json.dumps(state, sort_keys=True))
        """
    static let position = """
        e = c.local["oplog.rs"].find().sort("$natural", -1).limit(1).next()
        print("%d:%d" % (e["ts"].time, e["ts"].inc))
        """

    @Test func restoringToEachRecordedMomentGivesThatState() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("pitr")
        let dir = TemporaryDirectory()
        defer { _ = try? Self.py("[c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, db) }
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri]
        func lifeboat(_ arguments: [String]) throws -> ProcessResult {
            try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env)
        }

        _ = try Self.py("""
            d.users.insert_many([{"_id": i, "name": "u%d" % i, "score": i, "tags": ["a"], "gone": True} for i in range(100)])
            d.tmp.insert_one({"_id": 1})
            """, uri, db)
        let full = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"])
        #expect(full.status == 0, "\(full.output)")

        _ = try Self.py("""
            d.users.insert_many([{"_id": 100 + i, "name": "new%d" % i, "score": 0, "tags": []} for i in range(10)])
            d.users.update_many({"_id": {"$lt": 20}}, {"$set": {"name": "renamed"}, "$unset": {"gone": ""}, "$inc": {"score": 5}})
            d.users.update_one({"_id": 3}, {"$push": {"tags": "b"}})
            d.users.update_one({"_id": 4}, {"$set": {"tags.0": "z"}})
            d.users.delete_many({"_id": {"$gte": 90, "$lt": 95}})
            d.users.create_index("name")
            """, uri, db)
        let stateA = try Self.py(Self.snapshot, uri, db)
        let momentA = try Self.py(Self.position, uri, db)
        let first = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*", "--kind", "incremental"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stdout.contains("-incr-"), "\(first.output)")

        _ = try Self.py("""
            d.users.update_many({}, {"$inc": {"score": 1}})
            d.users.replace_one({"_id": 50}, {"_id": 50, "name": "replaced"})
            d.tmp.drop()
            d.extra.insert_one({"_id": "x", "v": [1, 2, 3]})
            d.create_collection("leaders", viewOn="users", pipeline=[{"$match": {"score": {"$gt": 50}}}])
            """, uri, db)
        let stateB = try Self.py(Self.snapshot, uri, db)
        let momentB = try Self.py(Self.position, uri, db)
        let second = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*", "--kind", "incremental"])
        #expect(second.status == 0, "\(second.output)")
        let secondID = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // Writes after the last incremental are not covered.
        _ = try Self.py("d.users.delete_many({})", uri, db)

        for (name, moment, expected) in [("a", momentA, stateA), ("b", momentB, stateB)] {
            let restore = try lifeboat(["restore", "--to-time", moment, "--ns-from", "\(db).*", "--ns-to", "\(db)\(name).*"])
            #expect(restore.status == 0, "\(restore.output)")
            let restored = try Self.py(Self.snapshot, uri, db + name)
            #expect(restored == expected, "the state at \(moment) differs:\n\(restored)\nexpected\n\(expected)")
            #expect(try Self.py("print(sorted(d.users.index_information()))", uri, db + name).contains("name_1"), "the index built in the oplog came back")
        }
        // The view created in the oplog (SecantusDB logs it as viewOn + viewPipeline) came back as a view.
        let view = try Self.py("print([(c['type'], c['options'].get('viewOn')) for c in d.list_collections() if c['name'] == 'leaders'])", uri, db + "b")
        #expect(view.contains("('view', 'users')"), "\(view)")

        // Outside the chain: refused with the covered range.
        let early = try lifeboat(["restore", "--to-time", "2001-01-01T00:00:00Z"])
        #expect(early.status == 64 && early.stderr.contains("covered:"), "\(early.output)")

        // The chain verifies; list shows it; pruning keeps the full set the incrementals need.
        let verify = try lifeboat(["verify", secondID])
        #expect(verify.status == 0, "\(verify.output)")
        let list = try lifeboat(["list", "--json"])
        #expect(list.stdout.contains("\"parent\"") && list.stdout.contains("-incr-"), "\(list.output)")
        let prune = try ProcessRunner.run(ProcessRunner.lifeboatBinary, ["prune", "--dry-run", "--retention-days", "1"], environment: env)
        #expect(!prune.stdout.contains("would delete"), "\(prune.output)")
    }
}

extension PointInTimeTests {
    /// A moment older than the local tier keeps (7 days there, 30 in S3):
    /// restore --to-time finds the chain that covers it in S3, restores it
    /// from there and says so; with --from local it is refused with what
    /// the local tier covers.
    @Test func aMomentOnlyS3StillCoversIsRestoredFromS3() throws {
        guard let uri = try TestServers.mongoURI(), let s3 = try TestServers.s3() else { return }
        let db = TestServers.uniquePrefix("pits3")
        let dir = TemporaryDirectory()
        defer { _ = try? Self.py("[c.drop_database(n) for n in c.list_database_names() if n.startswith(sys.argv[2])]", uri, db) }
        let bucket = TestServers.uniqueBucket("pits3")
        let created = try ProcessRunner.shell(".test-servers/venv/bin/python -c \"import boto3; boto3.client('s3', endpoint_url='\(s3.endpoint)', region_name='us-east-1', aws_access_key_id='\(s3.accessKeyID)', aws_secret_access_key='\(s3.secretAccessKey)').create_bucket(Bucket='\(bucket)')\"")
        #expect(created.status == 0, "\(created.output)")
        let env = ["BACKUP_DIR": dir.sub("backup"), "MONGO_URI": uri, "AWS_S3_BUCKET": bucket, "AWS_ENDPOINT_URL": s3.endpoint,
                   "AWS_ACCESS_KEY_ID": s3.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.secretAccessKey]
        func lifeboat(_ arguments: [String]) throws -> ProcessResult {
            try ProcessRunner.run(ProcessRunner.lifeboatBinary, arguments, environment: env)
        }
        _ = try Self.py("d.users.insert_many([{'_id': i} for i in range(30)])", uri, db)
        let old = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*"])
        #expect(old.status == 0, "\(old.output)")
        let oldID = old.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? "?"
        _ = try Self.py("d.users.insert_many([{'_id': 100 + i} for i in range(5)])", uri, db)
        let moment = try Self.py(Self.position, uri, db)
        let incremental = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*", "--kind", "incremental"])
        #expect(incremental.status == 0 && incremental.stdout.contains("-incr-"), "\(incremental.output)")
        let incrementalID = incremental.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? "?"
        _ = try Self.py("d.users.insert_many([{'_id': 200 + i} for i in range(7)])", uri, db)
        let newer = try lifeboat(["backup", "--components", "mongo", "--ns", "\(db).*", "--kind", "full"])
        #expect(newer.status == 0, "\(newer.output)")
        // The local tier has let the old chain go (as LOCAL_RETENTION_DAYS would).
        for id in [oldID, incrementalID] { try FileManager.default.removeItem(atPath: dir.sub("backup/\(id)")) }

        let refused = try lifeboat(["restore", "--to-time", moment, "--from", "local", "--ns-from", "\(db).*", "--ns-to", "\(db)x.*"])
        #expect(refused.status == 64 && refused.stderr.contains("covered:"), "\(refused.output)")
        let restored = try lifeboat(["restore", "--to-time", moment, "--ns-from", "\(db).*", "--ns-to", "\(db)x.*"])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.stdout.contains("in s3 and its chain"), "\(restored.stdout)")
        let count = try Self.py("print(c[sys.argv[2] + 'x'].users.count_documents({}))", uri, db)
        #expect(count == "35", "the moment holds 30 + 5 documents: \(count)")
    }
}
