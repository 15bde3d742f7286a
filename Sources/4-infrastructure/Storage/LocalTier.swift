import ByteStreams
internal import CLinuxShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The local folder tier (`BACKUP_DIR`). Keys map to paths below the root.
///
/// An upload is written to a hidden temporary name beside its final one,
/// fsynced, renamed into place, and the folder fsynced: after a crash an
/// object is either whole under its name or absent (a leftover `.tmp` file
/// at most, which belongs to an incomplete set and is removed with it).
public struct LocalTier: StorageTier {
    public let root: String
    public var name: String { "local" }
    public var location: String { root }

    public init(root: String) { self.root = root }

    public static let temporaryMarker = ".lifeboat-tmp-"

    func path(for key: String) throws -> String {
        try StorageKey.validate(key)
        return root + "/" + key
    }

    /// Removes this process's temporary files under `prefix` (an
    /// interrupted backup's): committed objects are never touched.
    public func removeTemporaryFiles(under prefix: String) {
        guard let folder = try? path(for: prefix) else { return }
        let suffix = "." + String(getpid())
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(Self.temporaryMarker) && name.hasSuffix(suffix) {
            unlink(folder + "/" + name)
        }
    }

    public func beginUpload(key: String) throws -> any ObjectUpload {
        let finalPath = try path(for: key)
        let directory = (finalPath as NSString).deletingLastPathComponent
        try Self.makeDirectories(directory)
        let fileName = (finalPath as NSString).lastPathComponent
        let temporary = directory + "/" + Self.temporaryMarker + fileName + "." + String(getpid())
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemCallError("create", path: temporary) }
        return LocalUpload(fd: fd, temporaryPath: temporary, finalPath: finalPath, directory: directory)
    }

    public func open(key: String) throws -> any ByteSource {
        let p = try path(for: key)
        let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw StorageError.notFound(tier: name, key: key) }
            throw SystemCallError("open", path: p)
        }
        return FileDescriptorSource(fd: fd, path: p, ownsDescriptor: true)
    }

    public func open(key: String, from offset: Int64, length: Int64?) throws -> any ByteSource {
        let source = try open(key: key) as! FileDescriptorSource
        if lseek(source.fd, off_t(offset), SEEK_SET) < 0 { throw SystemCallError("seek", path: try path(for: key)) }
        return length.map { LimitedSource(source, limit: $0) } ?? source
    }

    public func stat(key: String) throws -> ObjectInfo? {
        let p = try path(for: key)
        var st = Glibc.stat()
        if lstat(p, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemCallError("stat", path: p)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return ObjectInfo(key: key, size: UInt64(st.st_size), modified: Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)))
    }

    public func list(prefix: String) throws -> [ObjectInfo] {
        var result: [ObjectInfo] = []
        try walk(relative: "", into: &result)
        return result.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
    }

    private func walk(relative: String, into result: inout [ObjectInfo]) throws {
        let directory = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if relative.isEmpty && !FileManager.default.fileExists(atPath: root) { return }
            throw error
        }
        for entry in names where !entry.hasPrefix(".") {
            let key = relative.isEmpty ? entry : relative + "/" + entry
            let full = root + "/" + key
            var st = Glibc.stat()
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: try walk(relative: key, into: &result)
            case S_IFREG:
                result.append(ObjectInfo(key: key, size: UInt64(st.st_size), modified: Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))))
            default: continue
            }
        }
    }

    /// Set folders (the first part of keys), including those holding only
    /// temporary files, so incomplete sets can be found and removed.
    public var isLocal: Bool { true }

    public func setFolderNames() throws -> [String] { try topLevelNames() }

    public func topLevelNames() throws -> [String] {
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }.sorted()
    }

    public func delete(key: String) throws {
        let p = try path(for: key)
        if unlink(p) != 0 && errno != ENOENT { throw SystemCallError("unlink", path: p) }
    }

    public func deleteAll(prefix: String) throws {
        let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let p = try path(for: trimmed)
        if FileManager.default.fileExists(atPath: p) {
            try FileManager.default.removeItem(atPath: p)
            Self.syncDirectory((p as NSString).deletingLastPathComponent)
        }
    }

    public static func makeDirectories(_ directory: String) throws {
        if access(directory, F_OK) == 0 { return }
        let parent = (directory as NSString).deletingLastPathComponent
        if parent != directory { try makeDirectories(parent) }
        if mkdir(directory, 0o750) != 0 && errno != EEXIST { throw SystemCallError("mkdir", path: directory) }
        syncDirectory(parent)
    }

    /// Makes a rename or creation in `directory` durable.
    static func syncDirectory(_ directory: String) {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// An upload to a temporary file in the destination folder.
final class LocalUpload: ObjectUpload {
    private var fd: Int32
    private let sink: FileDescriptorSink
    let temporaryPath: String
    let finalPath: String
    let directory: String

    init(fd: Int32, temporaryPath: String, finalPath: String, directory: String) {
        self.fd = fd
        self.sink = FileDescriptorSink(fd: fd, path: temporaryPath)
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        self.directory = directory
    }

    deinit {
        if fd >= 0 { abort() }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
        written += Int64(bytes.count)
        // Start writeback of each finished 8 MiB range now, so the fsync at
        // commit waits for the tail only and dirty pages never pile up.
        if written - writebackStarted >= Self.writebackChunk {
            _ = clinuxshims_start_writeback(fd, writebackStarted, written - writebackStarted)
            writebackStarted = written
        }
    }

    private static let writebackChunk: Int64 = 8 << 20
    private var written: Int64 = 0
    private var writebackStarted: Int64 = 0

    func commit() throws {
        if fsync(fd) != 0 { throw SystemCallError("fsync", path: temporaryPath) }
        let closeResult = close(fd)
        fd = -1
        if closeResult != 0 { throw SystemCallError("close", path: temporaryPath) }
        if rename(temporaryPath, finalPath) != 0 { throw SystemCallError("rename", path: finalPath) }
        LocalTier.syncDirectory(directory)
    }

    func abort() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporaryPath)
    }
}
