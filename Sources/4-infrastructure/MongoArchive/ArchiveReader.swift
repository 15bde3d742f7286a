import RawBSON
import ByteStreams

/// Reads a mongodump archive as a stream of events, checking framing and
/// every namespace's CRC-64 at its EOF block. Memory: one read buffer and
/// the current document.
public final class ArchiveReader {
    public enum Event {
        /// A document of `namespace`; the bytes are valid until the next call.
        case document(Namespace, ArraySlice<UInt8>)
        /// A namespace is complete and its CRC matched.
        case endOfNamespace(Namespace, documentCount: Int, crc: UInt64)
    }

    public let header: ArchiveHeader
    public let collections: [CollectionMetadata]
    public var hasOplog: Bool { collections.contains { $0.namespace.isOplog } }

    private let input: BufferedInput
    private var current: Namespace?
    private var crcs: [Namespace: CRC64] = [:]
    private var counts: [Namespace: Int] = [:]
    private var finished: Set<Namespace> = []
    private var document: [UInt8] = []
    private var ended = false

    public init(source: any ByteSource) throws {
        input = BufferedInput(source)
        let magic = try input.readExactly(4, what: "magic number")
        guard magic.loadLE(UInt32.self, at: 0) == ArchiveConstants.magic else {
            throw ArchiveFormatError("not a mongodump archive (bad magic number \(magic.map { String(format2: $0) }.joined(separator: " ")))")
        }
        guard let headerBytes = try input.readDocument(what: "header") else { throw ArchiveFormatError("missing header document") }
        let headerView = BSONDocumentView(slice: headerBytes)
        header = ArchiveHeader(concurrentCollections: headerView["concurrent_collections"]?.int32 ?? 0,
                               version: headerView["version"]?.string ?? "",
                               serverVersion: headerView["server_version"]?.string ?? "",
                               toolVersion: headerView["tool_version"]?.string ?? "")
        var collections: [CollectionMetadata] = []
        while let bytes = try input.readDocument(what: "collection metadata") {
            let view = BSONDocumentView(slice: bytes)
            guard let db = view["db"]?.string, let collection = view["collection"]?.string else {
                throw ArchiveFormatError("a metadata document lacks db or collection")
            }
            let namespace = Namespace(db: db, collection: collection)
            collections.append(CollectionMetadata(namespace: namespace, metadata: view["metadata"]?.string ?? "",
                                                  size: view["size"]?.int32 ?? 0, type: view["type"]?.string ?? ""))
            crcs[namespace] = CRC64()
        }
        self.collections = collections
    }

    /// The next event, or nil at the end of a complete archive. A stream
    /// that ends before every namespace's EOF block is an error naming them.
    public func next() throws -> Event? {
        while true {
            if ended { return nil }
            guard let namespace = current else {
                guard let headerBytes = try input.readDocument(what: "segment header", endOfStreamAllowed: true) else {
                    if input.atEnd {
                        ended = true
                        let missing = crcs.keys.filter { !finished.contains($0) }.sorted()
                        if !missing.isEmpty {
                            throw ArchiveFormatError("the archive ends before the end of \(missing.map { $0.isOplog ? "oplog" : $0.description }.joined(separator: ", ")) (truncated?)", namespace: missing.first)
                        }
                        return nil
                    }
                    throw ArchiveFormatError("a terminator where a segment header was expected")
                }
                let view = BSONDocumentView(slice: headerBytes)
                guard let db = view["db"]?.string, let collection = view["collection"]?.string else {
                    throw ArchiveFormatError("a segment header lacks db or collection")
                }
                let namespace = Namespace(db: db, collection: collection)
                guard crcs[namespace] != nil else { throw ArchiveFormatError("segment of a namespace the prelude does not announce", namespace: namespace) }
                guard !finished.contains(namespace) else { throw ArchiveFormatError("segment after its EOF block", namespace: namespace) }
                if view["EOF"]?.bool == true {
                    guard try input.readDocument(what: "EOF terminator", namespace: namespace) == nil else {
                        throw ArchiveFormatError("EOF block not followed by a terminator", namespace: namespace)
                    }
                    let stored = UInt64(bitPattern: view["CRC"]?.int64 ?? 0)
                    let count = counts[namespace, default: 0]
                    let computed = count == 0 ? 0 : crcs[namespace]!.value
                    if stored != computed {
                        throw ArchiveFormatError("CRC-64 mismatch: the archive says \(hex(stored)), the documents give \(hex(computed)) (corrupt data)", namespace: namespace)
                    }
                    finished.insert(namespace)
                    return .endOfNamespace(namespace, documentCount: count, crc: computed)
                }
                current = namespace
                continue
            }
            guard let bytes = try input.readDocument(what: "document", namespace: namespace, endOfStreamAllowed: false) else {
                current = nil
                continue
            }
            crcs[namespace]!.update(bytes)
            counts[namespace, default: 0] += 1
            return .document(namespace, bytes)
        }
    }

    private func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}

/// Reads exact byte counts and BSON documents from a source through one buffer.
public final class BufferedInput {
    private let source: any ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private(set) var atEnd = false
    private var document: [UInt8] = []

    public init(_ source: any ByteSource) { self.source = source }

    private func fill(_ needed: Int) throws -> Bool {
        while buffer.count - position < needed {
            if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            let chunk = max(1 << 20, needed - buffer.count)
            let start = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let n = try buffer.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + chunk)]))
            }
            buffer.removeLast(chunk - n)
            if n == 0 { return false }
        }
        return true
    }

    func readExactly(_ count: Int, what: String, namespace: Namespace? = nil) throws -> ArraySlice<UInt8> {
        guard try fill(count) else { throw ArchiveFormatError("the archive ends inside the \(what) (truncated)", namespace: namespace) }
        defer { position += count }
        return buffer[position..<(position + count)]
    }

    /// A whole document, or nil for a terminator (int32 -1). With
    /// `endOfStreamAllowed`, a clean end of stream also gives nil (check `atEnd`).
    public func readDocument(what: String, namespace: Namespace? = nil, endOfStreamAllowed: Bool = false) throws -> ArraySlice<UInt8>? {
        if endOfStreamAllowed, try !fill(1) {
            atEnd = true
            return nil
        }
        let lengthBytes = try readExactly(4, what: what, namespace: namespace)
        let length = Int(lengthBytes.loadLE(Int32.self, at: 0))
        if length == -1 { return nil }
        guard length >= 5, length <= ArchiveConstants.maxDocumentSize else {
            throw ArchiveFormatError("invalid \(what) length \(length)", namespace: namespace)
        }
        position -= 4
        let bytes = try readExactly(length, what: what, namespace: namespace)
        guard bytes.last == 0 else { throw ArchiveFormatError("\(what) does not end with NUL (corrupt)", namespace: namespace) }
        return bytes
    }
}
