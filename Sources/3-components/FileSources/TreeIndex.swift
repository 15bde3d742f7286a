import ByteStreams
import Foundation
import TarArchive

/// What a files set looked like entry by entry: path, type, size, mtime,
/// inode, mode and owner. Stored beside each files artifact, so the next
/// incremental can tell what changed without reading the previous tar,
/// and a restore of a chain can tell what was deleted between two sets.
///
/// Binary records, little-endian: type (1 byte), size, mtime in
/// nanoseconds, inode (8 bytes each), mode, uid, gid (4 each), the path's
/// length (4) and its UTF-8 bytes. Version 2 (a header record `I`, then
/// the version, 4 bytes) adds to each record: the link target's length
/// (4) and bytes, then where the entry's tar header is in the artifact:
/// the number of the independent frame it begins in (8, -1 when the entry
/// is not in this artifact) and its offset in that frame's decompressed
/// bytes (8); and ends with the frame table: `T`, the frame count (8) and
/// each frame's compressed offset (8 each). Version 1 indexes (no header)
/// are still read; docs/format.md.
public struct TreeIndexEntry: Sendable, Equatable {
    public enum EntryType: UInt8, Sendable { case file = 0x66, directory = 0x64, symlink = 0x6C, other = 0x6F }
    /// Where an entry's tar header begins in the artifact.
    public struct Location: Sendable, Equatable {
        /// The independent frame it begins in (its offset: the frame table).
        public var frame: Int64
        /// Decompressed offset of the header in that frame.
        public var offsetInFrame: Int64
        public init(frame: Int64, offsetInFrame: Int64) {
            self.frame = frame
            self.offsetInFrame = offsetInFrame
        }
    }
    public var path: String
    public var type: EntryType
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var inode: UInt64
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    /// A symlink's target, or for a file stored as a hard link, the path
    /// of the first name (whose entry holds the bytes). Version 2 only.
    public var linkTarget: String? = nil
    /// nil: not in this artifact (an incremental's unchanged entry), or a
    /// version 1 index.
    public var location: Location? = nil
    /// Whether the file is stored as a tar hard link to `linkTarget`.
    public var isHardlink: Bool { type == .file && linkTarget != nil }

    /// Gives `path` (this entry on disk) the recorded modification time
    /// (a folder's changes when what is in it is written).
    public func applyTime(to path: String) {
        let time = timespec(tv_sec: Int(mtimeNanoseconds / 1_000_000_000), tv_nsec: Int(mtimeNanoseconds % 1_000_000_000))
        var times = [time, time]
        _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// Whether the entry's contents or attributes may differ from `other`'s.
    public func differs(from other: TreeIndexEntry) -> Bool {
        type != other.type || size != other.size || mtimeNanoseconds != other.mtimeNanoseconds || inode != other.inode
            || mode != other.mode || uid != other.uid || gid != other.gid
    }
}

public enum TreeIndex {
    public static let version: UInt32 = 2
    static let headerType: UInt8 = 0x49
    static let frameTableType: UInt8 = 0x54

    /// The last record of a version 2 index: each frame's compressed offset.
    public static func frameTable(_ offsets: [Int64]) -> [UInt8] {
        var out: [UInt8] = [frameTableType]
        withUnsafeBytes(of: UInt64(offsets.count).littleEndian) { out.append(contentsOf: $0) }
        for offset in offsets { withUnsafeBytes(of: offset.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }
    /// The first record of a version 2 index.
    public static var header: [UInt8] { [headerType] + withUnsafeBytes(of: version.littleEndian) { Array($0) } }

    /// One record of a version 2 index.
    public static func encode(_ entry: TreeIndexEntry) -> [UInt8] {
        var out: [UInt8] = []
        encode(entry, into: &out)
        return out
    }

    /// One record of a version 2 index, appended to `out`.
    public static func encode(_ entry: TreeIndexEntry, into out: inout [UInt8]) {
        out.append(entry.type.rawValue)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        put(entry.size)
        put(entry.mtimeNanoseconds)
        put(entry.inode)
        put(entry.mode)
        put(entry.uid)
        put(entry.gid)
        put(UInt32(entry.path.utf8.count))
        out.append(contentsOf: entry.path.utf8)
        let target = entry.linkTarget ?? ""
        put(UInt32(target.utf8.count))
        out.append(contentsOf: target.utf8)
        put(entry.location?.frame ?? -1)
        put(entry.location?.offsetInFrame ?? 0)
    }

    /// Reads every entry of an index stream; `frames` receives the frame
    /// table of a version 2 index.
    public static func read(_ source: any ByteSource, frames: ([Int64]) -> Void = { _ in }, _ visit: (TreeIndexEntry) throws -> Void) throws {
        let reader = TreeIndexReader(source)
        while let entry = try reader.next() { try visit(entry) }
        if let table = reader.frameOffsets { frames(table) }
    }

    /// The whole index as a dictionary by path (for change detection).
    public static func load(_ source: any ByteSource) throws -> [String: TreeIndexEntry] {
        var entries: [String: TreeIndexEntry] = [:]
        try read(source) { entries[$0.path] = $0 }
        return entries
    }
}
