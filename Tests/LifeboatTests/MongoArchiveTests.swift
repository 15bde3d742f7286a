import ByteStreams
import Foundation
import LifeboatCrypto
import MongoArchive
import StreamCompression
import Testing
import TestSupport

/// The mongodump archive format against archives written by stock
/// mongodump 100.8.0 (Fixtures/mongodump-100.8, with their expected contents).
@Suite struct MongoArchiveTests {
    static let fixtures = Bundle.module.resourcePath! + "/Fixtures/mongodump-100.8/"

    struct Expected: Decodable {
        struct Fixture: Decodable {
            let gzip: Bool?
            let header: [String: AnyCodable]?
            let namespaces: [String: NamespaceSummary]?
        }
        struct NamespaceSummary: Decodable {
            let documents: Int
            let eofCrcHex: String
            let sha256: String
        }
        let fixtures: [String: Fixture]
    }

    struct AnyCodable: Decodable {
        let text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) { text = String(int) } else { text = try container.decode(String.self) }
        }
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "expected/manifest.json")))
    }

    /// Reads a whole archive: per namespace, count, CRC and SHA-256 of the
    /// documents in archive order.
    static func summarize(_ source: any ByteSource) throws -> (ArchiveReader, [Namespace: (Int, UInt64, String)]) {
        let reader = try ArchiveReader(source: source)
        var digests: [Namespace: SHA256Digest] = [:]
        var result: [Namespace: (Int, UInt64, String)] = [:]
        while let event = try reader.next() {
            switch event {
            case .document(let namespace, let bytes):
                if digests[namespace] == nil { digests[namespace] = try SHA256Digest() }
                try bytes.withUnsafeBytes { try digests[namespace]!.update($0) }
            case .endOfNamespace(let namespace, let count, let crc):
                let digest = try (digests[namespace] ?? SHA256Digest()).finalizeHex()
                result[namespace] = (count, crc, digest)
            }
        }
        return (reader, result)
    }

    @Test func crc64MatchesTheCheckValue() {
        var crc = CRC64()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0x995D_C9BB_DF19_39FA)
    }

    @Test(arguments: ["alawael.archive", "alawael.archive.gz", "alawael-users.archive.gz", "oplog.archive.gz"])
    func readsStockArchivesExactly(name: String) throws {
        let fixture = try Self.expected().fixtures[name]!
        let file = try FileDescriptorSource(path: Self.fixtures + name)
        let source = fixture.gzip == true ? try Decompressors.make(.gzip, from: file) : file
        let (reader, summary) = try Self.summarize(source)
        #expect(reader.header.toolVersion == "100.8.0")
        #expect(reader.header.serverVersion == fixture.header?["server_version"]?.text)
        let namespaces = fixture.namespaces ?? [:]
        #expect(Set(summary.keys.map(\.description)) == Set(namespaces.keys))
        for (namespace, (count, crc, digest)) in summary {
            let key = namespace.description
            guard let want = namespaces[key] else { continue }
            #expect(count == want.documents, "\(key)")
            #expect("0x" + String(format: "%016llx", crc) == want.eofCrcHex, "\(key)")
            #expect(digest == want.sha256, "\(key)")
        }
        if name == "oplog.archive.gz" { #expect(reader.hasOplog) }
        let users = reader.collections.first { $0.namespace.description == "alawael.users" }
        #expect(users?.metadata.contains("\"expireAfterSeconds\":{\"$numberInt\":\"3600\"}") == true)
    }

    @Test func ourWriterRoundTripsThroughOurReaderAndInterleaves() throws {
        // Documents from a stock archive, re-written with interleaved
        // segments, read back byte-identical with matching CRCs.
        let (original, documents) = try Self.collect(FileDescriptorSource(path: Self.fixtures + "alawael.archive"))
        let dir = TemporaryDirectory()
        let path = dir.sub("ours.archive")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let writer = try ArchiveWriter(sink: FileDescriptorSink(fd: fd, path: path), header: ArchiveHeader(serverVersion: "8.2.11", toolVersion: "lifeboat-test"),
                                       collections: original.collections, includeOplog: false)
        // Two documents per segment, round-robin across namespaces.
        var cursors = documents.mapValues { _ in 0 }
        var remaining = Set(documents.keys)
        while !remaining.isEmpty {
            for namespace in remaining.sorted() {
                let docs = documents[namespace]!
                let start = cursors[namespace]!
                let end = min(start + 2, docs.count)
                try writer.writeSegment(namespace, documents: Array(docs[start..<end].joined()), count: end - start)
                cursors[namespace] = end
                if end == docs.count {
                    try writer.finish(namespace)
                    remaining.remove(namespace)
                }
            }
        }
        #expect(writer.unfinished.isEmpty)
        close(fd)
        let (_, reread) = try Self.collect(FileDescriptorSource(path: path))
        #expect(reread == documents)
        // And the CRCs equal stock mongodump's for the same documents.
        let (_, stock) = try Self.summarize(FileDescriptorSource(path: Self.fixtures + "alawael.archive"))
        let (_, ours) = try Self.summarize(FileDescriptorSource(path: path))
        for (namespace, value) in stock { #expect(ours[namespace]! == value, "\(namespace)") }
    }

    @Test func corruptionIsNamed() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "alawael.archive")))
        // Flip a byte inside the string payload of some document near the end.
        let target = bytes.count - 5000
        bytes[target] ^= 0x20
        let dir = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: dir.sub("bad")))
        do {
            _ = try Self.summarize(FileDescriptorSource(path: dir.sub("bad")))
            Issue.record("a corrupted archive was accepted")
        } catch let error as ArchiveFormatError {
            #expect(error.namespace != nil, "\(error)")
            #expect(error.description.contains("namespace"))
        } catch {
            #expect(String(describing: error).contains("BSON") || String(describing: error).contains("archive"), "\(error)")
        }

        // Truncated: the missing namespaces are named.
        try Data(bytes.prefix(300_000)).write(to: URL(fileURLWithPath: dir.sub("short")))
        do {
            _ = try Self.summarize(FileDescriptorSource(path: dir.sub("short")))
            Issue.record("a truncated archive was accepted")
        } catch let error as ArchiveFormatError {
            #expect(error.description.contains("truncated"), "\(error)")
            #expect(error.namespace != nil)
        }
    }

    static func collect(_ source: any ByteSource) throws -> (ArchiveReader, [Namespace: [[UInt8]]]) {
        let reader = try ArchiveReader(source: source)
        var documents: [Namespace: [[UInt8]]] = [:]
        for entry in reader.collections { documents[entry.namespace] = [] }
        while let event = try reader.next() {
            if case .document(let namespace, let bytes) = event { documents[namespace]!.append(Array(bytes)) }
        }
        return (reader, documents)
    }
}
