import ByteStreams
import FileSources
import Foundation

/// Which link of an incremental chain holds each entry of the last
/// link's tree, so that a chain restore writes every file once, from the
/// set that last stored it, instead of extracting each link over the one
/// before (which writes a file changed every day thirty times, and on
/// ext4 makes each new inode skip past the ones just freed: a 1,000,000-
/// file chain of 30 links took 511 s, 7x its full restore).
///
/// Made from the links' indexes alone, one link at a time and two files
/// side by side in tree order, so memory does not grow with the tree: an
/// entry a link's artifact holds (version 2 indexes say where) comes from
/// that link; one it left out as unchanged comes from wherever it came
/// from the link before. The map is a scratch file in BACKUP_DIR, unlinked
/// at once, written as an index whose `location.frame` is the link number
/// (-1: in no link), and read back with `TreeIndexReader`.
///
/// nil (`make`) when the chain cannot be planned this way, and the restore
/// extracts link over link as before: an index without locations
/// (version 1) or out of tree order, or a hard link whose first name comes
/// from another link (tar hard links point inside one artifact).
final class ChainPlan {
    /// The last link's tree: each entry as the link that holds it recorded it.
    private let map: ScratchFile

    private init(map: ScratchFile) {
        self.map = map
    }

    /// The most hard links a plan checks in memory; a tree with more is restored link over link.
    static let hardlinkLimit = 200_000

    static func make(_ links: [Manifest], entries: TreeEntries, scratch folder: String) throws -> ChainPlan? {
        var map: ScratchFile?
        for (number, link) in links.enumerated() {
            guard let index = try entries.spoolIndex(of: link, into: folder) else {
                throw LifeboatError.integrity("set \(link.id) has no files index")
            }
            let next = try ScratchFile(path: folder + "/.lifeboat-staging-plan-\(link.id)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))")
            unlink(next.path)
            guard try merge(previous: map, link: number, index: index, into: next) else { return nil }
            map = next
        }
        guard let map else { return nil }
        let plan = ChainPlan(map: map)
        return try plan.hardlinksStayInOneLink() ? plan : nil
    }

    /// Writes `link`'s map from its index and the map before it; false when the index cannot be planned.
    private static func merge(previous: ScratchFile?, link: Int, index: ScratchFile, into next: ScratchFile) throws -> Bool {
        let writer = RecordWriter(next.sink)
        try writer.append(TreeIndex.header)
        let reader = TreeIndexReader(index.source())
        let before = try previous.map { TreeIndexReader($0.source()) }
        var pending = try before?.next()
        var last: String?
        while var entry = try reader.next() {
            guard reader.recordsLocations else { return false }
            if let last, TreeOrder.compare(last, entry.path) >= 0 { return false }
            last = entry.path
            if entry.location != nil {
                entry.location = .init(frame: Int64(link), offsetInFrame: -1)
                try writer.append(entry)
                continue
            }
            // Left out as unchanged: it comes from where the link before had it.
            while let candidate = pending, TreeOrder.compare(candidate.path, entry.path) < 0 { pending = try before?.next() }
            if let candidate = pending, candidate.path == entry.path, candidate.type == entry.type {
                try writer.append(candidate)
                pending = try before?.next()
            } else {
                entry.location = nil
                try writer.append(entry)
            }
        }
        try writer.flush()
        return true
    }

    /// Whether every hard link's first name comes from the same link as
    /// the hard link and is a plain file there.
    private func hardlinksStayInOneLink() throws -> Bool {
        var wanted: [String: Int64] = [:]
        var ok = true
        try forEach { entry, link in
            guard ok, entry.isHardlink, let target = entry.linkTarget else { return }
            if let other = wanted[target], other != link { ok = false }
            wanted[target] = link
            if wanted.count > Self.hardlinkLimit { ok = false }
        }
        guard ok else { return false }
        guard !wanted.isEmpty else { return true }
        try forEach { entry, link in
            guard let expected = wanted[entry.path] else { return }
            if link != expected || entry.type != .file || entry.isHardlink { ok = false }
            wanted[entry.path] = nil
        }
        return ok && wanted.isEmpty
    }

    /// Each entry of the last link's tree with the link that holds it (-1: none).
    func forEach(_ body: (TreeIndexEntry, Int64) throws -> Void) throws {
        let reader = TreeIndexReader(map.source())
        while let entry = try reader.next() { try body(entry, entry.location?.frame ?? -1) }
    }

    /// Walks the map beside one link's artifact, whose entries come in the
    /// same tree order: says which to write, and which the link should
    /// have held and did not.
    final class LinkSelection {
        let link: Int64
        private let reader: TreeIndexReader
        private var pending: TreeIndexEntry?
        private var last: String?
        /// Entries this link should hold and its artifact did not have
        /// (sockets, files unreadable or removed while its backup ran): counted, the first few named.
        private(set) var absent = TreeSummary()
        private(set) var absentNames: [String] = []
        private(set) var written = 0

        fileprivate init(_ plan: ChainPlan, link: Int) throws {
            self.link = Int64(link)
            reader = TreeIndexReader(plan.map.source())
            pending = try reader.next()
        }

        func choose(_ name: String) throws -> EntryChoice {
            // A folder's tar name ends in "/"; its index path does not.
            let path = name.hasSuffix("/") ? String(name.dropLast()) : name
            if let last, TreeOrder.compare(last, path) >= 0 {
                throw LifeboatError.integrity("the files artifact holds \(path) out of its index's order; nothing was changed",
                                              hint: "restore another set; `lifeboat verify` records the failure")
            }
            last = path
            try skip { TreeOrder.compare($0, path) < 0 }
            guard let entry = pending, entry.path == path else { return .skip }
            pending = try reader.next()
            guard entry.location?.frame == link else { return .skip }
            written += 1
            return .extract
        }

        /// After the artifact's end: what it did not hold of its own.
        func finish() throws { try skip { _ in true } }

        private func skip(while before: (String) -> Bool) throws {
            while let entry = pending, before(entry.path) {
                if entry.location?.frame == link {
                    absent.count(entry)
                    if absentNames.count < 5 { absentNames.append(entry.path) }
                }
                pending = try reader.next()
            }
        }
    }

    func selection(forLink link: Int) throws -> LinkSelection { try LinkSelection(self, link: link) }
}

/// Appends records to a scratch file in 1 MiB writes.
private final class RecordWriter {
    private let sink: FileDescriptorSink
    private var buffer: [UInt8] = []

    init(_ sink: FileDescriptorSink) {
        self.sink = sink
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func append(_ entry: TreeIndexEntry) throws {
        TreeIndex.encode(entry, into: &buffer)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try sink.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
