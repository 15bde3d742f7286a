import ByteStreams
import TarArchive

/// Reads a files index one entry at a time (records in docs/format.md,
/// `TreeIndex`), holding one 64 KiB chunk and the record being parsed:
/// what lets two indexes be walked side by side (a chain restore, an
/// incremental against its parent) in memory that does not grow with them.
/// Every path and hard-link target is checked to stay below the folder it
/// is joined to; anything damaged or hostile is a data error.
public final class TreeIndexReader {
    private let source: any ByteSource
    private var buffer: [UInt8] = []
    private var offset = 0
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    private var ended = false
    private var version: UInt32?
    private var finished = false
    /// The frame table (version 2), once `next()` has returned nil.
    public private(set) var frameOffsets: [Int64]?

    public init(_ source: any ByteSource) {
        self.source = source
    }

    /// Whether each entry says if (and where) it is in the artifact, as
    /// version 2 indexes do; known once `next()` has been called.
    public var recordsLocations: Bool { (version ?? 1) >= 2 }

    deinit { chunk.deallocate() }

    private func damaged(_ what: String) -> FileSourceError {
        FileSourceError(path: "files index", problem: "is damaged (\(what))", isCorruptData: true)
    }

    private func need(_ count: Int) throws -> Bool {
        while buffer.count - offset < count {
            if ended { return false }
            if offset > 0 { buffer.removeFirst(offset); offset = 0 }
            let n = try source.read(into: chunk)
            if n == 0 { ended = true } else { buffer.append(contentsOf: chunk[0..<n]) }
        }
        return true
    }

    private func get<T: FixedWidthInteger>(_: T.Type) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: buffer[offset..<(offset + MemoryLayout<T>.size)]) }
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// A little-endian integer `at` bytes into the record being read (already in the buffer).
    private func peek<T: FixedWidthInteger>(_: T.Type, at: Int) -> T {
        buffer.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset + at, as: T.self)) }
    }

    /// The next entry; nil at the end (after the frame table, if any).
    public func next() throws -> TreeIndexEntry? {
        guard !finished else { return nil }
        if version == nil {
            version = 1
            if try need(5), buffer[offset] == TreeIndex.headerType {
                offset += 1
                let found = get(UInt32.self)
                guard found == 2 else {
                    throw FileSourceError(path: "files index", problem: "has version \(found); this Lifeboat reads versions 1 and 2", hint: "use a newer Lifeboat to read this set", isCorruptData: true)
                }
                version = found
            }
        }
        let version = self.version!
        guard try need(1) else {
            finished = true
            return nil
        }
        if version >= 2 && buffer[offset] == TreeIndex.frameTableType {
            offset += 1
            guard try need(8) else { throw damaged("its frame table is cut off") }
            let count = get(UInt64.self)
            guard count < 1 << 40 else { throw damaged("its frame table is too long") }
            var table: [Int64] = []
            for _ in 0..<count {
                guard try need(8) else { throw damaged("its frame table is cut off") }
                table.append(get(Int64.self))
            }
            guard table == table.sorted(), !(try need(1)) else { throw damaged("its frame table is out of order, or not last") }
            frameOffsets = table
            finished = true
            return nil
        }
        // The whole record is in the buffer before any of it is parsed, and
        // parsed in one pass over its bytes: every entry of every link of a
        // chain comes through here.
        guard try need(41), let type = TreeIndexEntry.EntryType(rawValue: buffer[offset]) else {
            throw damaged("an entry is cut off or of unknown type")
        }
        let length = Int(peek(UInt32.self, at: 37))
        var recordLength = 41 + length
        var targetLength = 0
        if version >= 2 {
            guard try need(recordLength + 4) else { throw damaged("an entry is cut off") }
            targetLength = Int(peek(UInt32.self, at: recordLength))
            recordLength += 4 + targetLength + 16
        }
        guard try need(recordLength) else { throw damaged("an entry is cut off") }
        let start = offset
        offset += recordLength
        let entry = buffer.withUnsafeBytes { raw -> TreeIndexEntry in
            func load<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: start + at, as: T.self)) }
            let path = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(start + 41)..<(start + 41 + length)]), as: UTF8.self)
            var entry = TreeIndexEntry(path: path, type: type, size: load(Int64.self, 1), mtimeNanoseconds: load(Int64.self, 9),
                                       inode: load(UInt64.self, 17), mode: load(UInt32.self, 25), uid: load(UInt32.self, 29), gid: load(UInt32.self, 33))
            if version >= 2 {
                let targetStart = 41 + length + 4
                if targetLength > 0 {
                    entry.linkTarget = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(start + targetStart)..<(start + targetStart + targetLength)]), as: UTF8.self)
                }
                let frame = load(Int64.self, targetStart + targetLength), inFrame = load(Int64.self, targetStart + targetLength + 8)
                entry.location = frame >= 0 ? .init(frame: frame, offsetInFrame: inFrame) : nil
            }
            return entry
        }
        // Every reader joins these names to a folder (to delete, create or
        // place): one that could leave it makes the index unusable.
        guard (try? SafeExtractor.validatedRelativePath(entry.path)) == entry.path, !entry.path.isEmpty else {
            throw FileSourceError(path: "files index", problem: "is damaged or hostile (the entry '\(entry.path)' is not a plain relative name)", isCorruptData: true)
        }
        if type == .file, let target = entry.linkTarget, (try? SafeExtractor.validatedRelativePath(target)) != target {
            throw FileSourceError(path: "files index", problem: "is damaged or hostile (the hard link target '\(target)' is not a plain relative name)", isCorruptData: true)
        }
        return entry
    }
}
