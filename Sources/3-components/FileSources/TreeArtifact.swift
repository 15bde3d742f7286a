import ByteStreams
import TarArchive
#if canImport(Glibc)
import Glibc
#endif

/// What a selective extraction does with the entry it is shown.
public enum EntryChoice: Sendable {
    case extract, skip
    /// Extract this one and read no further (not even the next header: a
    /// ranged read may end right after it).
    case extractLast
}

/// The files and config artifacts: a standard tar stream, compressed, as
/// GNU tar writes and reads it. This is the only door to libarchive for the
/// rest of Lifeboat.
public enum TreeArtifact {
    /// What kind of tree to write.
    public enum Contents: Sendable {
        /// Everything below one folder, named relative to it (the uploads tree).
        case folderContents(String)
        /// Listed files and folders under their absolute names (config).
        case paths([String])
    }

    public struct WriteResult: Sendable {
        public let summary: TreeSummary
        /// Uncompressed tar bytes.
        public let rawBytes: Int64
    }

    /// Writes the uncompressed tar stream into `sink` (the caller compresses).
    public static func write(_ contents: Contents, to sink: any ByteSink, skipUnreadable: Bool,
                             warn: @escaping (String) -> Void = { _ in }, index: (any ByteSink)? = nil,
                             changes: TreeChangeFilter? = nil, frames: (any IndependentFrames)? = nil) throws -> WriteResult {
        let raw = CountingSink(sink)
        let writer = try TarWriter(sink: raw)
        try index?.write(TreeIndex.header)
        let archiver = TreeArchiver(writer: writer, skipUnreadable: skipUnreadable, warn: warn, index: index, changes: changes,
                                    frames: frames)
        switch contents {
        case .folderContents(let root):
            try archiver.addContents(of: root)
        case .paths(let paths):
            for path in paths { try archiver.addPath(path) }
        }
        try writer.close()
        // The index ends with where each frame begins (all frames written first).
        if let index, let frames { try index.write(TreeIndex.frameTable(try frames.finishFrames())) }
        var summary = archiver.summary
        if let changes {
            summary.unchanged = summary.unchanged ?? 0
            summary.deleted = changes.parentCount - archiver.matchedParent
        }
        return WriteResult(summary: summary, rawBytes: Int64(raw.count))
    }

    /// Writes a tar holding one file, its bytes streamed from `source`
    /// (which must yield exactly `size` bytes), for copying a file into a
    /// container through the Docker archive API.
    public static func writeSingleFile(name: String, size: Int64, mode: UInt32, uid: Int64, gid: Int64,
                                       from source: any ByteSource, to sink: any ByteSink) throws {
        let writer = try TarWriter(sink: sink)
        let now = Int64(time(nil))
        try writer.writeHeader(TarEntryHeader(path: name, kind: .file, permissions: mode, size: size, uid: uid, gid: gid, mtimeSeconds: now))
        var written: Int64 = 0
        try source.drain { chunk in
            try writer.writeData(chunk)
            written += Int64(chunk.count)
        }
        guard written == size else { throw FileSourceError(path: name, problem: "has \(written) bytes, expected \(size)") }
        try writer.finishEntry()
        try writer.close()
    }

    /// Copies the data of the first regular file in a tar stream into `sink`
    /// (a file copied out of a container through the Docker archive API).
    @discardableResult
    public static func extractSingleFile(from source: any ByteSource, to sink: any ByteSink) throws -> Int64 {
        let reader = try TarReader(source: source)
        while let header = try reader.nextHeader() {
            guard header.kind == .file else { continue }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            var total: Int64 = 0
            while true {
                let n = try reader.readData(into: buffer)
                if n == 0 { return total }
                try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                total += Int64(n)
            }
        }
        throw FileSourceError(path: "archive", problem: "holds no regular file")
    }

    /// Reads an artifact to its end (decompressing, parsing every header and
    /// every data byte) and counts what it holds. `visit` sees each entry's
    /// validated relative name and whether it is a folder.
    public static func inspect(_ source: any ByteSource, visit: (_ name: String, _ isDirectory: Bool) throws -> Void = { _, _ in }) throws -> TreeSummary {
        let reader = try TarReader(source: source)
        var summary = TreeSummary()
        while let header = try reader.nextHeader() {
            let name = try SafeExtractor.validatedRelativePath(header.path)
            if case .hardlink(let target) = header.kind { _ = try SafeExtractor.validatedRelativePath(target) }
            let bytes = try reader.skimData()
            guard !name.isEmpty else { continue }
            try visit(name, header.kind == .directory)
            summary.add(header.kind, bytes: bytes)
        }
        return summary
    }

    /// Every entry of a tar stream as an index entry without a location
    /// (the listing of an artifact that has no index: config, or a set of
    /// an older Lifeboat). Reads the stream to its end.
    public static func entries(_ source: any ByteSource, visit: (TreeIndexEntry) throws -> Void) throws {
        let reader = try TarReader(source: source)
        while let header = try reader.nextHeader() {
            let name = try SafeExtractor.validatedRelativePath(header.path)
            _ = try reader.skimData()
            guard !name.isEmpty else { continue }
            var entry = TreeIndexEntry(path: name, type: .file, size: header.size,
                                       mtimeNanoseconds: header.mtimeSeconds * 1_000_000_000 + Int64(header.mtimeNanoseconds),
                                       inode: 0, mode: header.permissions, uid: UInt32(truncatingIfNeeded: header.uid), gid: UInt32(truncatingIfNeeded: header.gid))
            switch header.kind {
            case .file: break
            case .directory: entry.type = .directory; entry.mode |= UInt32(S_IFDIR); entry.size = 0
            case .symlink(let target): entry.type = .symlink; entry.linkTarget = target; entry.mode |= UInt32(S_IFLNK); entry.size = Int64(target.utf8.count)
            case .hardlink(let target): entry.linkTarget = target; entry.mode |= UInt32(S_IFREG)
            case .other(let mode): entry.type = .other; entry.mode = mode; entry.size = 0
            }
            if case .file = header.kind { entry.mode |= UInt32(S_IFREG) }
            try visit(entry)
        }
    }

    /// Extracts an artifact under `root` and nowhere else; with `select`,
    /// only the entries it chooses (`extractLast` ends the read after one).
    public static func extract(_ source: any ByteSource, into root: String, replaceAtomically: Bool,
                               select: ((_ relativePath: String) throws -> EntryChoice)? = nil) throws -> TreeSummary {
        let reader = try TarReader(source: source)
        let choose = select.map { select in
            { (path: String, _: TarEntryHeader) throws -> SafeExtractor.Selection in
                switch try select(path) {
                case .extract: return .extract
                case .skip: return .skip
                case .extractLast: return .extractLast
                }
            }
        }
        let counts = try SafeExtractor.extract(reader, into: root, restoreOwners: geteuid() == 0, replaceAtomically: replaceAtomically, select: choose)
        var summary = TreeSummary(sourcePaths: [root])
        summary.files = counts.files
        summary.directories = counts.directories
        summary.symlinks = counts.symlinks
        summary.hardlinks = counts.hardlinks
        summary.others = counts.others
        summary.bytes = counts.bytes
        return summary
    }

}

extension TreeSummary {
    mutating func add(_ kind: TarEntryHeader.Kind, bytes: Int64) {
        switch kind {
        case .file: files += 1
        case .directory: directories += 1
        case .symlink: symlinks += 1
        case .hardlink: hardlinks += 1
        case .other: others += 1
        }
        self.bytes += bytes
    }

    /// Whether two summaries describe the same entries (ignoring where they came from).
    public func sameContents(as other: TreeSummary) -> Bool {
        files == other.files && directories == other.directories && symlinks == other.symlinks
            && hardlinks == other.hardlinks && others == other.others && bytes == other.bytes
    }

    public var countsDescription: String {
        "\(files) files, \(directories) folders, \(symlinks) symlinks, \(hardlinks) hard links, \(ByteCount.describe(bytes))"
    }
}
