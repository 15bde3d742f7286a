/// What a files or config artifact holds, as recorded in the manifest and
/// checked again by `verify`.
public struct TreeSummary: Codable, Sendable, Equatable {
    /// The absolute paths that were backed up.
    public var sourcePaths: [String]
    public var files: Int
    public var directories: Int
    public var symlinks: Int
    public var hardlinks: Int
    public var others: Int
    /// File content bytes (the sum of regular files' sizes).
    public var bytes: Int64
    /// Paths left out with the reason, when skipping unreadable files was allowed.
    public var skipped: [SkippedPath]
    /// Incrementals: entries left out as unchanged since the parent set.
    public var unchanged: Int?
    /// Incrementals: entries of the parent set that no longer exist.
    public var deleted: Int?

    public struct SkippedPath: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    public init(sourcePaths: [String] = []) {
        self.sourcePaths = sourcePaths
        files = 0
        directories = 0
        symlinks = 0
        hardlinks = 0
        others = 0
        bytes = 0
        skipped = []
    }

    /// Entries of every kind.
    public var entryCount: Int { files + directories + symlinks + hardlinks + others }
}
