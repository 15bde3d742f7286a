import ErrorCategories
import ByteStreams
internal import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// Why an archive was refused: it tried to write outside the target.
public struct HostileEntryError: Error, CustomStringConvertible, Sendable {
    public let entry: String
    public let reason: String
    public var description: String { "refusing archive entry '\(entry)': \(reason)" }

    public init(entry: String, reason: String) {
        self.entry = entry
        self.reason = reason
    }
}

/// What an extraction (or a read-through) found in the archive.
public struct TarContentCounts: Sendable, Equatable {
    public var files = 0
    public var directories = 0
    public var symlinks = 0
    public var hardlinks = 0
    public var others = 0
    public var bytes: Int64 = 0
    public init() {}

    public mutating func count(_ header: TarEntryHeader, dataBytes: Int64) {
        switch header.kind {
        case .file: files += 1
        case .directory: directories += 1
        case .symlink: symlinks += 1
        case .hardlink: hardlinks += 1
        case .other: others += 1
        }
        bytes += dataBytes
    }
}

/// Extracts a tar stream under one directory and nowhere else.
///
/// Every name is checked by us first (no absolute names, no `..`, for entries
/// and hard-link targets alike), then libarchive writes with its own secure
/// flags as a second fence: it refuses to write through a symlink, so an
/// archive that plants `link -> /etc` and then `link/passwd` fails.
public enum SafeExtractor {
    /// Checks a stored name and returns it without a leading `./`.
    public static func validatedRelativePath(_ name: String) throws -> String {
        // Every entry of every restore comes here: a name that starts with
        // neither "." nor "/" and has no ".." anywhere is already plain.
        let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
        let plain = name.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let first = bytes.first, first != dot, first != slash else { return false }
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == dot && previous == dot { return false }
                previous = byte
            }
            return true
        }
        if plain == true { return name }
        var path = name
        while path.hasPrefix("./") { path.removeFirst(2) }
        if path.hasPrefix("/") { throw HostileEntryError(entry: name, reason: "absolute names are not allowed") }
        if path.isEmpty || path == "." { return "" }
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component == ".." {
            throw HostileEntryError(entry: name, reason: "'..' would leave the target folder")
        }
        return path
    }

    /// What to do with an entry when only some are wanted.
    public enum Selection: Sendable { case extract, skip, extractLast }

    /// Extracts everything `reader` holds into `root`, which must exist and
    /// be a canonical (symlink-free) absolute path.
    /// With `replaceAtomically`, each file is written to a temporary name and
    /// renamed over the old one, so a crash never leaves a half-written file
    /// (used when restoring config files in place).
    /// The counts are of every entry read, extracted or skipped.
    public static func extract(_ reader: TarReader, into root: String, restoreOwners: Bool,
                               replaceAtomically: Bool = false,
                               select: ((_ relativePath: String, _ header: TarEntryHeader) throws -> Selection)? = nil) throws -> TarContentCounts {
        let prefix = root == "/" ? "" : root
        guard let disk = archive_write_disk_new() else {
            throw ArchiveError(operation: "archive_write_disk_new", message: "out of memory", errno: 0)
        }
        defer { archive_write_free(disk) }
        var flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_XATTR
        if restoreOwners { flags |= ARCHIVE_EXTRACT_OWNER }
        if replaceAtomically { flags |= ARCHIVE_EXTRACT_SAFE_WRITES }
        try checkArchive(archive_write_disk_set_options(disk, flags), disk, "disk writer options")
        // Numeric ids only: the container restoring may not know the names.
        try checkArchive(archive_write_disk_set_standard_lookup(disk), disk, "disk writer lookup")

        var counts = TarContentCounts()
        while let header = try reader.nextHeader() {
            guard let entry = reader.currentEntry() else { break }
            let relative = try validatedRelativePath(header.path)
            if relative.isEmpty { continue }
            let choice = try select?(relative, header) ?? .extract
            switch choice {
            case .extract, .extractLast: break
            case .skip:
                // Counted all the same: the counts say what the archive holds.
                counts.count(header, dataBytes: try reader.skimData())
                continue
            }
            archive_entry_set_pathname(entry, prefix + "/" + relative)
            if case .hardlink(let target) = header.kind {
                let linkRelative = try validatedRelativePath(target)
                archive_entry_set_hardlink(entry, prefix + "/" + linkRelative)
            }
            try checkArchive(archive_write_header(disk, entry), disk, "create \(relative)")
            var written: Int64 = 0
            if archive_entry_size(entry) > 0 {
                written = try copyData(from: reader, to: disk, name: relative)
            }
            try checkArchive(archive_write_finish_entry(disk), disk, "finish \(relative)")
            counts.count(header, dataBytes: written)
            if choice == .extractLast { break }
        }
        // Directory times and modes are applied here, after their contents.
        try checkArchive(archive_write_close(disk), disk, "finish extraction")
        return counts
    }

    private static func copyData(from reader: TarReader, to disk: OpaquePointer, name: String) throws -> Int64 {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        var total: Int64 = 0
        while true {
            let code = archive_read_data_block(reader.archive, &block, &size, &offset)
            if code == ARCHIVE_EOF { return total }
            try checkArchive(code, reader.archive, "read \(name)", callbackError: reader.callbackError)
            let n = archive_write_data_block(disk, block, size, offset)
            if n < 0 { try checkArchive(Int32(n), disk, "write \(name)") }
            total += Int64(size)
        }
    }
}

extension HostileEntryError: CategorizedError {
    public var category: ErrorCategory { .corruptData }
}
