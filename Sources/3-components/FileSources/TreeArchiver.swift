import ByteStreams
import Foundation
import TarArchive
#if canImport(Glibc)
import Glibc
#endif

/// Walks files and folders into a `TarWriter`, keeping modes, times,
/// owners, symlinks, hard links and empty folders, with one reused read
/// buffer so memory does not grow with the tree.
public final class TreeArchiver {
    private let writer: TarWriter
    private let skipUnreadable: Bool
    private let warn: (String) -> Void
    /// Receives every entry's index record (the whole tree, changed or not).
    private let index: (any ByteSink)?
    /// For incrementals: entries it calls unchanged are indexed, not archived.
    private let changes: TreeChangeFilter?
    private var hardlinkNames: [HardlinkKey: String] = [:]
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    /// One index record at a time, its storage reused (a record per entry).
    private var record: [UInt8] = []
    public private(set) var summary: TreeSummary
    /// Incrementals: entries found that the parent had too (the rest of the parent's were deleted).
    public private(set) var matchedParent = 0
    /// The compressed artifact's independent frames: each index record
    /// says in which frame its tar header begins (nil: no locations).
    private let frames: (any IndependentFrames)?

    /// Top-level names a restore may leave inside a mounted uploads folder;
    /// they are never backed up.
    public static let reservedNamePrefixes = [".lifeboat-staging-", ".lifeboat-previous-"]

    struct HardlinkKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    public init(writer: TarWriter, skipUnreadable: Bool, warn: @escaping (String) -> Void = { _ in },
                index: (any ByteSink)? = nil, changes: TreeChangeFilter? = nil,
                frames: (any IndependentFrames)? = nil) {
        self.index = index
        self.frames = frames
        self.changes = changes
        self.writer = writer
        self.skipUnreadable = skipUnreadable
        self.warn = warn
        self.summary = TreeSummary()
    }

    deinit { buffer.deallocate() }

    /// Adds everything below `root`, named relative to it (the root folder
    /// itself is not an entry).
    public func addContents(of root: String) throws {
        summary.sourcePaths.append(root)
        var st = Glibc.stat()
        if stat(root, &st) != 0 {
            throw FileSourceError(path: root, problem: String(cString: strerror(errno)), hint: "check that the folder exists and is mounted into the container")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw FileSourceError(path: root, problem: "is not a folder")
        }
        try addChildren(of: root, storedAs: "", topLevel: true)
    }

    /// Adds one file or folder (recursively) under the name it has on disk,
    /// without the leading '/', as GNU tar does with absolute names.
    public func addPath(_ path: String) throws {
        summary.sourcePaths.append(path)
        var st = Glibc.stat()
        if lstat(path, &st) != 0 {
            throw FileSourceError(path: path, problem: String(cString: strerror(errno)), hint: "check the path in CONFIG_PATHS")
        }
        try add(path: path, storedAs: String(path.drop(while: { $0 == "/" })), status: st)
    }

    private func addChildren(of directory: String, storedAs prefix: String, topLevel: Bool = false) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            try unreadable(directory, reason: "cannot list the folder (\(String(cString: strerror(errno == 0 ? EACCES : errno))))")
            return
        }
        for name in names {
            if topLevel && Self.reservedNamePrefixes.contains(where: { name.hasPrefix($0) }) { continue }
            let path = directory == "/" ? "/" + name : directory + "/" + name
            var st = Glibc.stat()
            if lstat(path, &st) != 0 {
                if errno == ENOENT && name.unicodeScalars.contains("\u{FFFD}") {
                    // The listing decodes names as UTF-8 and repairs what is not; a
                    // name in another encoding (latin-1 uploads) then names nothing.
                    // Not "removed": it is there and cannot be archived by name.
                    try unreadable(path, reason: "its name is not valid UTF-8 (shown with \u{FFFD}); rename it to UTF-8, e.g. convmv -f latin1 -t utf8 --notest -r FOLDER")
                    continue
                }
                if errno == ENOENT {
                    warn("\(path) was removed while the backup ran; left out")
                    continue
                }
                try unreadable(path, reason: String(cString: strerror(errno)))
                continue
            }
            try add(path: path, storedAs: prefix.isEmpty ? name : prefix + "/" + name, status: st)
        }
    }

    private func add(path: String, storedAs name: String, status st: Glibc.stat) throws {
        var header = TarEntryHeader(path: name, kind: .file, permissions: UInt32(st.st_mode) & 0o7777, size: 0,
                                    uid: Int64(st.st_uid), gid: Int64(st.st_gid),
                                    mtimeSeconds: Int64(st.st_mtim.tv_sec), mtimeNanoseconds: Int(st.st_mtim.tv_nsec))
        let fileType = st.st_mode & S_IFMT
        var symlinkTarget: String?
        if fileType == S_IFLNK {
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &target, target.count - 1)
            if n < 0 {
                try unreadable(path, reason: String(cString: strerror(errno)))
                return
            }
            symlinkTarget = String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var entry: TreeIndexEntry?
        if index != nil || changes != nil {
            let type: TreeIndexEntry.EntryType
            switch fileType {
            case S_IFDIR: type = .directory
            case S_IFREG: type = .file
            case S_IFLNK: type = .symlink
            default: type = .other
            }
            var found = TreeIndexEntry(path: name, type: type, size: Int64(st.st_size),
                                       mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                       inode: UInt64(st.st_ino), mode: UInt32(st.st_mode), uid: st.st_uid, gid: st.st_gid)
            found.linkTarget = symlinkTarget
            let before = try changes?.parentEntry(name)
            if before != nil { matchedParent += 1 }
            // Hard-linked files always go in whole: their link targets may be elsewhere in the chain.
            if let changes, st.st_nlink <= 1 || type != .file, changes.unchanged(found, before: before) {
                try writeRecord(found)
                summary.unchanged = (summary.unchanged ?? 0) + 1
                return
            }
            entry = found
        }
        var hardlinkTarget: String?
        if fileType == S_IFREG && st.st_nlink > 1 {
            let key = HardlinkKey(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if let first = hardlinkNames[key] { hardlinkTarget = first } else { hardlinkNames[key] = name }
        }
        let readableFolder = fileType != S_IFDIR || access(path, R_OK | X_OK) == 0
        if var entry {
            entry.linkTarget = hardlinkTarget ?? symlinkTarget
            // Where the tar header is about to go (an unreadable folder is not written).
            entry.location = readableFolder ? nextLocation() : nil
            try writeRecord(entry)
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            header.kind = .directory
            if !readableFolder {
                try unreadable(path, reason: "permission denied")
                return
            }
            try writer.writeHeader(header)
            try writer.finishEntry()
            summary.directories += 1
            try addChildren(of: path, storedAs: name)
        case S_IFREG:
            if let hardlinkTarget {
                header.kind = .hardlink(target: hardlinkTarget)
                try writer.writeHeader(header)
                try writer.finishEntry()
                summary.hardlinks += 1
                return
            }
            try addFile(path: path, header: header)
        case S_IFLNK:
            header.kind = .symlink(target: symlinkTarget ?? "")
            try writer.writeHeader(header)
            try writer.finishEntry()
            summary.symlinks += 1
        case S_IFSOCK:
            warn("\(path) is a socket; sockets cannot be archived and are left out")
        default:
            header.kind = .other(mode: UInt32(st.st_mode))
            try writer.writeHeader(header)
            try writer.finishEntry()
            summary.others += 1
        }
    }

    private func writeRecord(_ entry: TreeIndexEntry) throws {
        guard let index else { return }
        record.removeAll(keepingCapacity: true)
        TreeIndex.encode(entry, into: &record)
        try index.write(record)
    }

    /// Where the next tar header begins (every byte written before it has
    /// reached the compressor: the tar writer is unblocked).
    private func nextLocation() -> TreeIndexEntry.Location? {
        frames.map { .init(frame: $0.position.frame, offsetInFrame: $0.position.offsetInFrame) }
    }

    private func addFile(path: String, header: TarEntryHeader) throws {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT {
                warn("\(path) was removed while the backup ran; left out")
                return
            }
            try unreadable(path, reason: String(cString: strerror(errno)))
            return
        }
        defer { close(fd) }
        // Size from the open file, not the earlier lstat: what we stream.
        var st = Glibc.stat()
        fstat(fd, &st)
        var header = header
        header.size = Int64(st.st_size)
        // Readahead only pays past its default window; on small files it is a syscall each.
        if st.st_size > 1 << 20 { posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        try writer.writeHeader(header)
        var remaining = header.size
        while remaining > 0 {
            let n = read(fd, buffer.baseAddress, min(buffer.count, Int(remaining)))
            if n < 0 {
                if errno == EINTR { continue }
                // The header is written: the entry cannot be dropped any more.
                throw FileSourceError(path: path, problem: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                warn("\(path) shrank while it was read; the rest of the entry is zero-filled")
                break
            }
            try writer.writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            remaining -= Int64(n)
        }
        try writer.finishEntry()
        summary.files += 1
        summary.bytes += header.size
    }

    private func unreadable(_ path: String, reason: String) throws {
        if skipUnreadable {
            warn("\(path): \(reason); skipped (BACKUP_SKIP_UNREADABLE=true)")
            summary.skipped.append(.init(path: path, reason: reason))
            return
        }
        throw FileSourceError(path: path, problem: "cannot be read (\(reason))",
                              hint: "fix its permissions, or set BACKUP_SKIP_UNREADABLE=true (--skip-unreadable) to leave it out with a warning")
    }
}
