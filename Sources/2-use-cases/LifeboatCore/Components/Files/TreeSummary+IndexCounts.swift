import FileSources
extension TreeSummary {
    /// Counts an index entry as a tar read would: a hard link holds no bytes of its own.
    mutating func count(_ entry: TreeIndexEntry) {
        switch entry.type {
        case .file where entry.isHardlink: hardlinks += 1
        case .file:
            files += 1
            bytes += entry.size
        case .directory: directories += 1
        case .symlink: symlinks += 1
        case .other: others += 1
        }
    }

    /// Adds `other`'s counts (`sign` -1: takes them away).
    mutating func add(_ other: TreeSummary, sign: Int = 1) {
        files += sign * other.files
        directories += sign * other.directories
        symlinks += sign * other.symlinks
        hardlinks += sign * other.hardlinks
        others += sign * other.others
        bytes += Int64(sign) * other.bytes
    }
}
