import ByteStreams
import FileSources
import Foundation
import LifeboatCrypto
import Storage
import StreamCompression

/// Where a files artifact's index goes while the tree is walked: into the
/// set (compressed and encrypted like the artifact, for restores of a
/// chain) and, plain, into `BACKUP_DIR/.lifeboat-cache/` for the next
/// incremental, which then needs neither the previous tar nor a private key.
/// The cache holds names, sizes and times, never contents.
final class FilesIndexOutput {
    static func cacheDirectory(_ backupDirectory: String) -> String { backupDirectory + "/.lifeboat-cache" }
    static func cachePath(_ backupDirectory: String, _ id: BackupSetID) -> String { cacheDirectory(backupDirectory) + "/files.index.\(id)" }

    var sink: any ByteSink { buffered }
    /// Index records are small (one per entry): gathered before the tee.
    private let buffered: BufferedSink
    private let file: String
    private let upload: any ObjectUpload
    private let hashing: HashingSink
    private let compressor: any CompressingSink
    private let encryptor: AgeEncryptingSink?
    private let cache: FileDescriptorSink
    private let cacheFD: Int32
    private var cacheClosed = false
    private let cacheTemporary: String
    private let cacheFinal: String

    init(tier: any StorageTier, setID: BackupSetID, compression: Compression, encryption: EncryptionTarget, backupDirectory: String) throws {
        file = "files.index" + compression.algorithm.fileSuffix + (encryption.isEnabled ? ".age" : "")
        upload = try tier.beginUpload(key: "\(setID)/\(file)")
        hashing = try HashingSink(upload)
        encryptor = try encryption.sink(into: hashing)
        compressor = try Compressors.make(compression, into: encryptor ?? hashing)
        try LocalTier.makeDirectories(Self.cacheDirectory(backupDirectory))
        cacheFinal = Self.cachePath(backupDirectory, setID)
        cacheTemporary = cacheFinal + ".tmp"
        let fd = open(cacheTemporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemCallError("create", path: cacheTemporary) }
        cacheFD = fd
        cache = FileDescriptorSink(fd: fd, path: cacheTemporary)
        buffered = BufferedSink(TeeSink(cache, compressor))
    }

    func finish() throws -> Manifest.IndexReference {
        try buffered.flush()
        try compressor.finish()
        try encryptor?.finish()
        let reference = Manifest.IndexReference(file: file, sha256: try hashing.finalizeHex(), storedBytes: Int64(hashing.count))
        try upload.commit()
        closeCache()
        rename(cacheTemporary, cacheFinal)
        return reference
    }

    func abort() {
        upload.abort()
        closeCache()
        unlink(cacheTemporary)
    }

    private func closeCache() {
        if !cacheClosed { close(cacheFD) }
        cacheClosed = true
    }

    deinit { closeCache() }

    /// What an incremental on `parent` leaves out, from the index this host
    /// cached when it wrote that set (nil: none, or unreadable).
    static func changeFilter(_ backupDirectory: String, _ parent: Manifest) -> TreeChangeFilter? {
        let path = cachePath(backupDirectory, parent.id)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return TreeChangeFilter(parentIndexAt: path, parentStarted: parent.startedAt)
    }

    /// Keeps only the newest set's cached index.
    static func pruneCache(_ backupDirectory: String, keep id: BackupSetID) {
        let directory = cacheDirectory(backupDirectory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name != "files.index.\(id)" {
            unlink(directory + "/" + name)
        }
    }
}
