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
        let path = dir.sub("dump.archive")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let summary = try MongoDumper(uri: uri, options: .init(selection: NamespaceSelection(include: [try NamespacePattern("\(prefix)a.*")]), toolVersion: "test"))
            .dump(into: FileDescriptorSink(fd: fd, path: path))
        close(fd)
        #expect(summary.documentCount == 1350)

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
