import ByteStreams
import Foundation

/// What an incremental leaves out, decided from the parent's index.
///
/// The parent's index is read one entry at a time beside the walk: both
/// are in `TreeOrder`, so each path the archiver meets is looked up by
/// moving forward through the parent's entries, and memory does not grow
/// with the tree. A parent index not in that order, or lookups that are
/// not, turn it into a dictionary (read again from the same file): the
/// answers stay right either way. A path it cannot find is "changed", so
/// any mistake could only put more into the incremental, never leave out
/// a change.
public final class TreeChangeFilter {
    /// How many entries the parent's index holds.
    public let parentCount: Int
    /// Entries modified this close to the parent's start (or later) are
    /// taken whatever their fingerprint says: a same-second change may not
    /// move mtime (the "racy" case).
    public let racyAfterNanoseconds: Int64
    private let indexPath: String
    private var reader: TreeIndexReader?
    private var pending: TreeIndexEntry?
    private var lastAsked: String?
    private var dictionary: [String: TreeIndexEntry]?

    /// nil when the file cannot be read as an index (the caller then takes everything).
    public init?(parentIndexAt path: String, parentStarted: Date) {
        indexPath = path
        racyAfterNanoseconds = Int64((parentStarted.timeIntervalSince1970 - 1) * 1_000_000_000)
        var count = 0
        var ordered = true
        do {
            let scan = TreeIndexReader(try FileDescriptorSource(path: path))
            var last: String?
            while let entry = try scan.next() {
                if let last, TreeOrder.compare(last, entry.path) >= 0 { ordered = false }
                last = entry.path
                count += 1
            }
            parentCount = count
            if ordered {
                reader = TreeIndexReader(try FileDescriptorSource(path: path))
                pending = try reader!.next()
            } else {
                dictionary = try Self.load(path)
            }
        } catch {
            return nil
        }
    }

    private static func load(_ path: String) throws -> [String: TreeIndexEntry] {
        try TreeIndex.load(FileDescriptorSource(path: path))
    }

    /// The parent's entry for `path`, if it had one.
    public func parentEntry(_ path: String) throws -> TreeIndexEntry? {
        if dictionary == nil, let lastAsked, TreeOrder.compare(lastAsked, path) >= 0 {
            // Asked out of order: answer from a dictionary from now on.
            dictionary = try Self.load(indexPath)
            reader = nil
        }
        if let dictionary { return dictionary[path] }
        lastAsked = path
        while let entry = pending, TreeOrder.compare(entry.path, path) < 0 { pending = try reader!.next() }
        guard let entry = pending, TreeOrder.compare(entry.path, path) == 0 else { return nil }
        pending = try reader!.next()
        return entry
    }

    /// Whether `entry` is the same as the parent's `before` (so it is indexed, not archived).
    public func unchanged(_ entry: TreeIndexEntry, before: TreeIndexEntry?) -> Bool {
        guard entry.type != .directory, let before else { return false }
        return !entry.differs(from: before) && entry.mtimeNanoseconds < racyAfterNanoseconds
    }
}
