import ByteStreams
import Foundation
import LifeboatCrypto
import MongoArchive
import MongoClient
import MongoSource
import RawBSON
import StreamCompression
import Testing
import TestSupport

/// Dump and restore against a real MongoDB-compatible server (SecantusDB).
@Suite(.serialized) struct MongoSourceTests {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures/mongodump-100.8/"

    static func selection(renaming prefix: String) throws -> NamespaceSelection {
        NamespaceSelection(renames: [
            (try NamespacePattern("alawael.*"), try NamespacePattern("\(prefix)a.*")),
            (try NamespacePattern("reports.*"), try NamespacePattern("\(prefix)r.*")),
        ])
    }

    static func dropDatabases(_ uri: String, prefix: String) {
        guard let connection = try? MongoConnection(uri: uri), let names = try? connection.databaseNames() else { return }
        for name in names where name.hasPrefix(prefix) {
            _ = try? connection.command(name, json: #"{"dropDatabase": 1}"#)
        }
    }

    /// Dumps the namespaces matching `include` into a file; returns its
    /// path (inside `dir`) and the summary.
    static func dump(_ uri: String, include: String, in dir: TemporaryDirectory,
                     options: MongoDumper.Options? = nil) throws -> (String, MongoSummary) {
        let path = dir.sub("dump-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        let chosen = try options ?? .init(selection: NamespaceSelection(include: [NamespacePattern(include)]), toolVersion: "test")
        return (path, try MongoDumper(uri: uri, options: chosen).dump(into: FileDescriptorSink(fd: fd, path: path)))
    }

    /// Per namespace of a stock archive: document count and multiset digest.
    static func fixtureDigests(_ name: String) throws -> [String: (Int, String)] {
        let reader = try ArchiveReader(source: Decompressors.make(name.hasSuffix(".gz") ? .gzip : .none, from: FileDescriptorSource(path: fixtures + name)))
        var digests: [String: (Int, MultisetDigest)] = [:]
        while let event = try reader.next() {
            if case .document(let namespace, let bytes) = event {
                var entry = digests[namespace.description] ?? (0, MultisetDigest())
                try bytes.withUnsafeBytes { try entry.1.add($0) }
                entry.0 += 1
                digests[namespace.description] = entry
            }
        }
        return digests.mapValues { ($0.0, $0.1.hex) }
    }

    @Test func restoresAStockArchiveWithOptionsIndexesAndViews() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("s")
        defer { Self.dropDatabases(uri, prefix: prefix) }
        let restorer = MongoRestorer(uri: uri, options: .init(selection: try Self.selection(renaming: prefix)))
        let source = try Decompressors.make(.gzip, from: FileDescriptorSource(path: Self.fixtures + "alawael.archive.gz"))
        let outcome = try restorer.restore(from: source)
        #expect(outcome.inserted == 1370)
        #expect(outcome.failed == 0)

        // What came back, dumped by us: counts and content digests equal the archive's.
        let dumper = MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)*")]), toolVersion: "test"))
        let sink = DiscardingSink()
        let summary = try dumper.dump(into: sink)
        let expected = try Self.fixtureDigests("alawael.archive.gz")
        for (source, (count, digest)) in expected {
            let target = source.replacingOccurrences(of: "alawael.", with: "\(prefix)a.").replacingOccurrences(of: "reports.", with: "\(prefix)r.")
            let found = summary.namespaces.first { $0.namespace == target }
            #expect(found?.documents == count, "\(target)")
            #expect(found?.digest == digest, "\(target)")
        }
        #expect(summary.namespaces.contains { $0.namespace == "\(prefix)a.activeUsers" && $0.type == "view" })
        #expect(summary.namespaces.contains { $0.namespace == "\(prefix)a.empty" && $0.documents == 0 })

        // Indexes with their options, the validator, the capped size.
        let connection = try MongoConnection(uri: uri)
        var indexes: [String: String] = [:]
        let cursor = try connection.listIndexes("\(prefix)a", "users")
        while let index = try cursor.nextDocument() { indexes[index.view["name"]!.string!] = index.canonicalJSON }
        #expect(Set(indexes.keys) == ["_id_", "age_1_adults", "email_1", "lastName_1_createdAt_-1", "sessionExpires_1"])
        #expect(indexes["email_1"]?.contains("\"unique\" : true") == true)
        #expect(indexes["sessionExpires_1"]?.contains("\"expireAfterSeconds\" : { \"$numberInt\" : \"3600\" }") == true)
        #expect(indexes["age_1_adults"]?.contains("partialFilterExpression") == true)
        var options: [String: String] = [:]
        let collections = try connection.listCollections("\(prefix)a")
        while let entry = try collections.nextDocument() { options[entry.view["name"]!.string!] = entry.canonicalJSON }
        #expect(options["orders"]?.contains("$jsonSchema") == true)
        #expect(options["auditlog"]?.contains("\"capped\" : true") == true)
        #expect(options["activeUsers"]?.contains("\"viewOn\" : \"users\"") == true)
    }

    @Test func ourDumpRoundTripsAndDuplicatesAreCounted() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("r")
        defer { Self.dropDatabases(uri, prefix: prefix) }
        let source = try Decompressors.make(.gzip, from: FileDescriptorSource(path: Self.fixtures + "alawael.archive.gz"))
        _ = try MongoRestorer(uri: uri, options: .init(selection: try Self.selection(renaming: prefix))).restore(from: source)

        let dir = TemporaryDirectory()
        let (path, summary) = try MongoSourceTests.dump(uri, include: "\(prefix)a.*", in: dir)
        #expect(summary.documentCount == 1350)

        // An independent reader (Python, pymongo's bson) accepts our archive:
        // framing, Extended JSON metadata, every CRC, the same counts.
        let python = FileManager.default.currentDirectoryPath + "/.test-servers/venv/bin/python"
        let script = FileManager.default.currentDirectoryPath + "/Tests/tools/read_mongodump_archive.py"
        let independent = try ProcessRunner.run(python, [script, path])
        #expect(independent.status == 0, "\(independent.output)")
        let parsed = try JSONSerialization.jsonObject(with: Data(independent.stdout.utf8)) as? [String: Any]
        let counts = parsed?["namespaces"] as? [String: Int] ?? [:]
        for namespace in summary.namespaces { #expect(counts[namespace.namespace] == namespace.documents, "\(namespace.namespace)") }

        // Restore our archive elsewhere: same digests.
        let copy = NamespaceSelection(renames: [(try NamespacePattern("\(prefix)a.*"), try NamespacePattern("\(prefix)c.*"))])
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.inserted == 1350)
        let again = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)c.*")]), toolVersion: "test"))
            .dump(into: DiscardingSink())
        for original in summary.namespaces {
            let twin = again.namespaces.first { $0.namespace == original.namespace.replacingOccurrences(of: "\(prefix)a.", with: "\(prefix)c.") }
            #expect(twin?.digest == original.digest, "\(original.namespace)")
            #expect(twin?.indexes == original.indexes, "\(original.namespace)")
        }

        // Restoring again without --drop: every document is a duplicate, counted, not fatal.
        let duplicate = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(duplicate.inserted == 0)
        #expect(duplicate.failed == 1350)
        // With drop: clean again.
        let dropped = try MongoRestorer(uri: uri, options: .init(selection: copy, drop: true)).restore(from: FileDescriptorSource(path: path))
        #expect(dropped.inserted == 1350 && dropped.failed == 0)
    }
}

final class DiscardingSink: ByteSink {
    var count = 0
    func write(_ bytes: UnsafeRawBufferPointer) throws { count += bytes.count }
}

/// Writes during a dump, BSON edge cases, and failures, on the real server.
@Suite(.serialized) struct MongoConsistencyTests {
    /// A writer inserting, updating ($set, $inc, $unset, $push) and deleting
    /// while the collections are scanned; it stops just before the oplog
    /// window closes. Restoring the dump and replaying its oplog must give
    /// exactly the server's state at that point.
    @Test func writesDuringTheDumpAreCapturedAndReplayed() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("w")
        defer { MongoSourceTests.dropDatabases(uri, prefix: prefix) }
        let db = "\(prefix)src"
        let setup = try MongoConnection(uri: uri)
        var batch: [UInt8] = []
        for i in 0..<3000 {
            batch += try BSONDocument(json: #"{"_id": \#(i), "n": 0, "tags": ["a"], "gone": true, "pad": "\#(String(repeating: "x", count: 200))"}"#).bytes
        }
        _ = try batch.withUnsafeBytes { try setup.insertMany(db, "items", documents: $0, count: 3000) }

        let writer = Writer(uri: uri, db: db)
        writer.start()
        let dumpOptions = MongoDumper.Options(selection: NamespaceSelection(include: [try NamespacePattern("\(db).*")]),
                                              parallelCollections: 2, segmentBytes: 64 << 10, toolVersion: "test",
                                              beforeOplogCapture: { writer.stop() })
        let dir = TemporaryDirectory()
        let (path, summary) = try MongoSourceTests.dump(uri, include: "", in: dir, options: dumpOptions)
        #expect(writer.operations > 0, "the writer did nothing during the dump")
        let window = try #require(summary.oplog, "SecantusDB reports a replica set, so the oplog window must be captured")
        #expect(window.entries > 0)
        #expect(window.end > window.start)

        let final = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(db).*")]), toolVersion: "t"))
            .dump(into: DiscardingSink()).namespaces.first!
        let copy = NamespaceSelection(renames: [(try NamespacePattern("\(db).*"), try NamespacePattern("\(prefix)dst.*"))])
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.oplogApplied == window.entries)
        let restored = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)dst.*")]), toolVersion: "t"))
            .dump(into: DiscardingSink()).namespaces.first!
        #expect(restored.documents == final.documents)
        #expect(restored.digest == final.digest, "restored + replayed oplog differs from the server at the end position")
    }

    @Test func everyBSONTypeAndAFifteenMegabyteDocumentRoundTrip() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("b")
        defer { MongoSourceTests.dropDatabases(uri, prefix: prefix) }
        let db = "\(prefix)types"
        var nested = #"{"leaf": true}"#
        for _ in 0..<90 { nested = #"{"d": \#(nested)}"# }
        let documents = [
            #"{"_id": 1, "dec": {"$numberDecimal": "1.000000000000000000000000000000001E+6144"}, "decNeg": {"$numberDecimal": "-0.00"}, "decNaN": {"$numberDecimal": "NaN"}}"#,
            #"{"_id": 2, "old": {"$date": {"$numberLong": "-2208988800000"}}, "epochMinus": {"$date": {"$numberLong": "-1"}}}"#,
            #"{"_id": 3, "b0": {"$binary": {"base64": "AAEC", "subType": "00"}}, "uuid": {"$binary": {"base64": "c//SZESzTGmQ6OfR38A11A==", "subType": "04"}}, "md5": {"$binary": {"base64": "1B2M2Y8AsgTpgAmY7PhCfg==", "subType": "05"}}, "user": {"$binary": {"base64": "/w==", "subType": "80"}}}"#,
            #"{"_id": 4, "re": {"$regularExpression": {"pattern": "^a.*b$", "options": "imsx"}}, "ts": {"$timestamp": {"t": 1700000000, "i": 7}}, "min": {"$minKey": 1}, "max": {"$maxKey": 1}}"#,
            #"{"_id": 5, "negZero": {"$numberDouble": "-0.0"}, "nan": {"$numberDouble": "NaN"}, "inf": {"$numberDouble": "-Infinity"}, "tiny": {"$numberDouble": "5E-324"}, "i64": {"$numberLong": "-9223372036854775808"}, "i32": {"$numberInt": "2147483647"}}"#,
            #"{"_id": 6, "deep": \#(nested), "arr": [[], [[1]], {}], "nul": null, "s": "عربي 😀 \u0000 nul"}"#,
            #"{"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}, "big": "\#(String(repeating: "z", count: 15 << 20))"}"#,
        ]
        let connection = try MongoConnection(uri: uri)
        var originals: [[UInt8]] = []
        for json in documents {
            let bytes = try BSONDocument(json: json).bytes
            originals.append(bytes)
            _ = try bytes.withUnsafeBytes { try connection.insertMany(db, "all", documents: $0, count: 1) }
        }
        let dir = TemporaryDirectory()
        let (path, _) = try MongoSourceTests.dump(uri, include: "\(db).*", in: dir)
        let copy = NamespaceSelection(renames: [(try NamespacePattern("\(db).*"), try NamespacePattern("\(prefix)copy.*"))])
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.inserted == documents.count)
        // Byte-identical: the restored documents, read back, are the originals.
        var restored: [[UInt8]] = []
        let cursor = try connection.find("\(prefix)copy", "all")
        while let bytes = try cursor.next() { restored.append(Array(bytes)) }
        #expect(Set(restored) == Set(originals))
    }

    @Test func collationTimeSeriesAndIndexKindsRoundTrip() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("o")
        defer { MongoSourceTests.dropDatabases(uri, prefix: prefix) }
        let db = "\(prefix)opts"
        let connection = try MongoConnection(uri: uri)
        for command in [
            #"{"create": "names", "collation": {"locale": "ar", "strength": 2}}"#,
            #"{"create": "metrics", "timeseries": {"timeField": "at", "metaField": "sensor", "granularity": "minutes"}}"#,
            #"{"createIndexes": "names", "indexes": [{"key": {"n": 1}, "name": "n_sparse", "sparse": true}, {"key": {"h": 1}, "name": "h_hidden", "hidden": true}, {"key": {"loc": "2dsphere"}, "name": "loc_2dsphere"}, {"key": {"attrs.$**": 1}, "name": "attrs_wildcard"}]}"#,
            #"{"insert": "names", "documents": [{"_id": 1, "n": "أحمد", "loc": {"type": "Point", "coordinates": [46.7, 24.7]}, "attrs": {"a": 1}}, {"_id": 2, "n": "سارة"}]}"#,
            #"{"insert": "metrics", "documents": [{"at": {"$date": "2026-01-22T10:00:00Z"}, "sensor": "s1", "v": 1.5}, {"at": {"$date": "2026-01-22T10:01:00Z"}, "sensor": "s1", "v": 2.5}]}"#,
        ] {
            try connection.command(db, json: command)
        }
        let dir = TemporaryDirectory()
        let (path, summary) = try MongoSourceTests.dump(uri, include: "\(db).*", in: dir)
        // mongod reports type "timeseries"; SecantusDB "collection" with
        // timeseries options. Either way the options must come back.
        #expect(summary.namespaces.first { $0.namespace == "\(db).metrics" }?.documents == 2)
        let copy = NamespaceSelection(renames: [(try NamespacePattern("\(db).*"), try NamespacePattern("\(prefix)copy.*"))])
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.inserted == 4)

        var collections: [String: String] = [:]
        let listing = try connection.listCollections("\(prefix)copy")
        while let entry = try listing.nextDocument() { collections[entry.view["name"]!.string!] = entry.canonicalJSON }
        #expect(collections["names"]?.contains("\"locale\" : \"ar\"") == true, "\(collections)")
        #expect(collections["metrics"]?.contains("\"timeField\" : \"at\"") == true, "\(collections)")
        var indexes: [String: String] = [:]
        let cursor = try connection.listIndexes("\(prefix)copy", "names")
        while let index = try cursor.nextDocument() { indexes[index.view["name"]!.string!] = index.canonicalJSON }
        #expect(indexes["n_sparse"]?.contains("\"sparse\" : true") == true)
        #expect(indexes["h_hidden"]?.contains("\"hidden\" : true") == true)
        #expect(indexes["loc_2dsphere"] != nil)
        #expect(indexes["attrs_wildcard"] != nil)
        let again = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)copy.*")]), toolVersion: "t"))
            .dump(into: DiscardingSink())
        for original in summary.namespaces {
            let twin = again.namespaces.first { $0.namespace == original.namespace.replacingOccurrences(of: db, with: "\(prefix)copy") }
            #expect(twin?.digest == original.digest, "\(original.namespace)")
        }
    }

    @Test func aDatabaseWithManyCollections() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("m")
        defer { MongoSourceTests.dropDatabases(uri, prefix: prefix) }
        let db = "\(prefix)many"
        let connection = try MongoConnection(uri: uri)
        for i in 0..<500 {
            let doc = try BSONDocument(json: #"{"_id": \#(i), "c": "c\#(i)"}"#).bytes
            _ = try doc.withUnsafeBytes { try connection.insertMany(db, "c\(i)", documents: $0, count: 1) }
        }
        let dir = TemporaryDirectory()
        let (path, summary) = try MongoSourceTests.dump(uri, include: "\(db).*", in: dir)
        #expect(summary.namespaces.count == 500)
        let copy = NamespaceSelection(renames: [(try NamespacePattern("\(db).*"), try NamespacePattern("\(prefix)back.*"))])
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.namespaces.count == 500)
        #expect(outcome.inserted == 500)
    }
}

/// Inserts, updates and deletes in a loop on its own thread until stopped.
final class Writer: @unchecked Sendable {
    // @unchecked Sendable: `running` and `count` are guarded by `condition`.
    private let uri: String
    private let db: String
    private let condition = NSCondition()
    private var running = true
    private var finished = false
    private var count = 0

    init(uri: String, db: String) {
        self.uri = uri
        self.db = db
    }

    var operations: Int { condition.withLock { count } }

    func start() {
        Thread { [self] in
            defer { condition.withLock { finished = true; condition.broadcast() } }
            guard let connection = try? MongoConnection(uri: uri) else { return }
            var i = 0
            while condition.withLock({ running }) {
                let id = i % 3000
                let commands = [
                    #"{"insert": "items", "documents": [{"_id": \#(100_000 + i), "n": \#(i), "new": true}]}"#,
                    #"{"update": "items", "updates": [{"q": {"_id": \#(id)}, "u": {"$set": {"s": "v\#(i)"}, "$inc": {"n": 1}, "$unset": {"gone": ""}, "$push": {"tags": "t\#(i)"}}}]}"#,
                    #"{"delete": "items", "deletes": [{"q": {"_id": \#((id * 7) % 3000)}, "limit": 1}]}"#,
                ]
                for command in commands { _ = try? connection.command(db, json: command) }
                condition.withLock { count += 3 }
                i += 1
            }
        }.start()
    }

    /// Stops the writer and waits until its last operation returned.
    func stop() {
        condition.lock()
        running = false
        while !finished { condition.wait() }
        condition.unlock()
    }
}

@Suite(.serialized) struct MongoUsersTests {
    /// Users and roles are dumped only when asked; restoring them needs the
    /// server's _mergeAuthzCollections, which SecantusDB lacks: the rest is
    /// restored and the error says so.
    @Test func usersAndRolesOnlyWhenAsked() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let prefix = TestServers.uniquePrefix("u")
        let user = "\(prefix)user"
        let connection = try MongoConnection(uri: uri)
        try connection.command("admin", json: #"{"createUser": "\#(user)", "pwd": "pw", "roles": ["read"]}"#)
        defer {
            _ = try? connection.command("admin", json: #"{"dropUser": "\#(user)"}"#)
            MongoSourceTests.dropDatabases(uri, prefix: prefix)
        }
        try connection.command("\(prefix)d", json: #"{"insert": "c", "documents": [{"_id": 1}]}"#)
        let without = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)d.*")]), toolVersion: "t"))
            .dump(into: DiscardingSink())
        #expect(!without.namespaces.contains { $0.namespace == "admin.system.users" })

        var options = MongoDumper.Options(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)d.*")]), toolVersion: "t")
        options.includeUsersAndRoles = true
        let dir = TemporaryDirectory()
        let (path, with) = try MongoSourceTests.dump(uri, include: "", in: dir, options: options)
        let users = try #require(with.namespaces.first { $0.namespace == "admin.system.users" })
        #expect(users.documents >= 1)

        // Renames alone select only what they rename; --ns admin.* widens it to the users.
        let copy = NamespaceSelection(include: [try NamespacePattern("admin.*")],
                                      renames: [(try NamespacePattern("\(prefix)d.*"), try NamespacePattern("\(prefix)e.*"))])
        do {
            _ = try MongoRestorer(uri: uri, options: .init(selection: copy)).restore(from: FileDescriptorSource(path: path))
            Issue.record("users were merged on a server without _mergeAuthzCollections?")
        } catch let error as MongoSourceError {
            #expect(error.message.contains("_mergeAuthzCollections"), "\(error)")
        }
        let restored = try connection.find("\(prefix)e", "c").nextDocument()
        #expect(restored != nil, "the data was not restored alongside")
        // Excluding admin restores cleanly.
        let clean = NamespaceSelection(exclude: [try NamespacePattern("admin.*")], renames: copy.renames)
        let outcome = try MongoRestorer(uri: uri, options: .init(selection: clean, drop: true)).restore(from: FileDescriptorSource(path: path))
        #expect(outcome.inserted == 1)
    }
}
