import ByteStreams
import Foundation

/// What a files set looked like entry by entry: path, type, size, mtime,
/// inode, mode and owner. Stored beside each files artifact, so the next
/// incremental can tell what changed without reading the previous tar,
/// and a restore of a chain can tell what was deleted between two sets.
///
/// Binary records, little-endian: type (1 byte), size, mtime in
/// nanoseconds, inode (8 bytes each), mode, uid, gid (4 each), the path's
/// length (4) and its UTF-8 bytes.
public struct TreeIndexEntry: Sendable, Equatable {
    public enum EntryType: UInt8, Sendable { case file = 0x66, directory = 0x64, symlink = 0x6C, other = 0x6F }
    public var path: String
    public var type: EntryType
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var inode: UInt64
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    /// Whether the entry's contents or attributes may differ from `other`'s.
    public func differs(from other: TreeIndexEntry) -> Bool {
        type != other.type || size != other.size || mtimeNanoseconds != other.mtimeNanoseconds || inode != other.inode
            || mode != other.mode || uid != other.uid || gid != other.gid
    }
}

public enum TreeIndex {
    public static func encode(_ entry: TreeIndexEntry) -> [UInt8] {
        var out: [UInt8] = [entry.type.rawValue]
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        put(entry.size)
        put(entry.mtimeNanoseconds)
        put(entry.inode)
        put(entry.mode)
        put(entry.uid)
        put(entry.gid)
        let path = Array(entry.path.utf8)
        put(UInt32(path.count))
        out.append(contentsOf: path)
        return out
    }

    /// Reads every entry of an index stream.
    public static func read(_ source: any ByteSource, _ visit: (TreeIndexEntry) throws -> Void) throws {
        var buffer: [UInt8] = []
        var offset = 0
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { chunk.deallocate() }
        var ended = false
        func need(_ count: Int) throws -> Bool {
            while buffer.count - offset < count {
                if ended { return false }
                if offset > 0 { buffer.removeFirst(offset); offset = 0 }
                let n = try source.read(into: chunk)
                if n == 0 { ended = true } else { buffer.append(contentsOf: chunk[0..<n]) }
            }
            return true
        }
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: buffer[offset..<(offset + MemoryLayout<T>.size)]) }
            offset += MemoryLayout<T>.size
            return T(littleEndian: value)
        }
        while try need(1) {
            guard try need(41), let type = TreeIndexEntry.EntryType(rawValue: buffer[offset]) else {
                throw FileSourceError(path: "files index", problem: "is damaged (an entry is cut off or of unknown type)")
            }
            offset += 1
            let size = get(Int64.self), mtime = get(Int64.self), inode = get(UInt64.self)
            let mode = get(UInt32.self), uid = get(UInt32.self), gid = get(UInt32.self), length = Int(get(UInt32.self))
            guard try need(length) else { throw FileSourceError(path: "files index", problem: "is damaged (a path is cut off)") }
            let path = String(decoding: buffer[offset..<(offset + length)], as: UTF8.self)
            offset += length
            try visit(TreeIndexEntry(path: path, type: type, size: size, mtimeNanoseconds: mtime, inode: inode, mode: mode, uid: uid, gid: gid))
        }
    }

    /// The whole index as a dictionary by path (for change detection).
    public static func load(_ source: any ByteSource) throws -> [String: TreeIndexEntry] {
        var entries: [String: TreeIndexEntry] = [:]
        try read(source) { entries[$0.path] = $0 }
        return entries
    }
}

/// What an incremental leaves out, decided from the parent's index.
public struct TreeChangeFilter: Sendable {
    public let parent: [String: TreeIndexEntry]
    /// Entries modified this close to the parent's start (or later) are
    /// taken whatever their fingerprint says: a same-second change may not
    /// move mtime (the "racy" case).
    public let racyAfterNanoseconds: Int64

    public init(parent: [String: TreeIndexEntry], parentStarted: Date) {
        self.parent = parent
        self.racyAfterNanoseconds = Int64((parentStarted.timeIntervalSince1970 - 1) * 1_000_000_000)
    }

    public func unchanged(_ entry: TreeIndexEntry) -> Bool {
        guard entry.type != .directory, let before = parent[entry.path] else { return false }
        return !entry.differs(from: before) && entry.mtimeNanoseconds < racyAfterNanoseconds
    }
}
