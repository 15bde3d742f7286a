import RawBSON
import ByteStreams

/// Writes the mongodump archive format (mongo-tools `common/archive/spec.md`):
/// magic, header, one metadata document per namespace, a terminator, then
/// namespace segments (header, documents, terminator) in any interleaving,
/// and for each namespace an EOF block carrying the CRC-64 of all its
/// documents' bytes.
///
/// Not thread-safe: writers of several collections hand whole segments to
/// one thread (see MongoDumper), so segments never mix.
public final class ArchiveWriter {
    private let sink: any ByteSink
    private var crcs: [Namespace: CRC64] = [:]
    private var documentCounts: [Namespace: Int] = [:]
    private var finished: Set<Namespace> = []

    public init(sink: any ByteSink, header: ArchiveHeader, collections: [CollectionMetadata], includeOplog: Bool) throws {
        self.sink = sink
        var magic = ArchiveConstants.magic.littleEndian
        try withUnsafeBytes(of: &magic) { try sink.write($0) }
        var headerDocument = BSONBuilder()
        headerDocument.append("concurrent_collections", int32: header.concurrentCollections)
        headerDocument.append("version", string: header.version)
        headerDocument.append("server_version", string: header.serverVersion)
        headerDocument.append("tool_version", string: header.toolVersion)
        try sink.write(headerDocument.bytes)
        var entries = collections
        if includeOplog { entries.append(CollectionMetadata(namespace: .oplog, metadata: "", type: "")) }
        for entry in entries {
            var document = BSONBuilder()
            document.append("db", string: entry.namespace.db)
            document.append("collection", string: entry.namespace.collection)
            document.append("metadata", string: entry.metadata)
            document.append("size", int32: entry.size)
            document.append("type", string: entry.type)
            try sink.write(document.bytes)
            crcs[entry.namespace] = CRC64()
        }
        try sink.write(ArchiveConstants.terminator)
    }

    /// Writes one segment: a header, the documents (each a complete BSON
    /// document, back to back in `documents`), and a terminator. An empty
    /// segment is allowed (stock mongodump writes one for empty collections).
    public func writeSegment(_ namespace: Namespace, documents: UnsafeRawBufferPointer, count: Int) throws {
        guard crcs[namespace] != nil else { throw ArchiveFormatError("not announced in the prelude", namespace: namespace) }
        guard !finished.contains(namespace) else { throw ArchiveFormatError("segment after its EOF block", namespace: namespace) }
        try sink.write(segmentHeader(namespace, eof: false, crc: 0))
        if documents.count > 0 {
            crcs[namespace]!.update(documents)
            try sink.write(documents)
        }
        documentCounts[namespace, default: 0] += count
        try sink.write(ArchiveConstants.terminator)
    }

    public func writeSegment(_ namespace: Namespace, documents: [UInt8], count: Int) throws {
        try documents.withUnsafeBytes { try writeSegment(namespace, documents: $0, count: count) }
    }

    /// Closes a namespace with its EOF block; returns its CRC-64.
    @discardableResult
    public func finish(_ namespace: Namespace) throws -> UInt64 {
        guard let crc = crcs[namespace] else { throw ArchiveFormatError("not announced in the prelude", namespace: namespace) }
        guard finished.insert(namespace).inserted else { throw ArchiveFormatError("EOF block written twice", namespace: namespace) }
        // A namespace with no documents has CRC 0, as mongodump writes it.
        let value = documentCounts[namespace, default: 0] == 0 ? 0 : crc.value
        try sink.write(segmentHeader(namespace, eof: true, crc: Int64(bitPattern: value)))
        try sink.write(ArchiveConstants.terminator)
        return value
    }

    /// Namespaces announced but not yet finished.
    public var unfinished: [Namespace] { crcs.keys.filter { !finished.contains($0) }.sorted() }

    private func segmentHeader(_ namespace: Namespace, eof: Bool, crc: Int64) -> [UInt8] {
        var document = BSONBuilder()
        document.append("db", string: namespace.db)
        document.append("collection", string: namespace.collection)
        document.append("EOF", bool: eof)
        document.append("CRC", int64: crc)
        return document.bytes
    }
}
