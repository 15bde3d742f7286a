import Foundation

/// What `doctor` asks of a folder or file a backup will read: does it
/// exist, and can this process read all of it (as the service's user, not
/// as whoever runs the check by hand). Walks the tree; reads no content.
public struct TreeReadability: Sendable {
    public var path: String
    public var exists: Bool
    public var files = 0
    public var directories = 0
    public var bytes: Int64 = 0
    /// Entries this process may not read (the first `limit`), and how many in all.
    public var unreadable: [String] = []
    public var unreadableCount = 0
    /// Files seen with more than one link: the others are hard links, as the archive counts them.
    private var linked = Set<[UInt64]>()

    public static func check(_ path: String, limit: Int = 10) -> TreeReadability {
        var result = TreeReadability(path: path, exists: false)
        var info = stat()
        guard lstat(path, &info) == 0 else { return result }
        result.exists = true
        result.visit(path, info, limit: limit)
        return result
    }

    private mutating func visit(_ path: String, _ info: stat, limit: Int) {
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            directories += 1
            guard access(path, R_OK | X_OK) == 0, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                note(path + "/", limit: limit)
                return
            }
            for name in names.sorted() {
                let child = path.hasSuffix("/") ? path + name : path + "/" + name
                var childInfo = stat()
                guard lstat(child, &childInfo) == 0 else { note(child, limit: limit); continue }
                visit(child, childInfo, limit: limit)
            }
        case S_IFREG:
            if info.st_nlink > 1, !linked.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted { return }
            files += 1
            bytes += Int64(info.st_size)
            if access(path, R_OK) != 0 { note(path, limit: limit) }
        default:
            break  // links, devices, sockets: archived as what they are, nothing to read
        }
    }

    private mutating func note(_ path: String, limit: Int) {
        unreadableCount += 1
        if unreadable.count < limit { unreadable.append(path) }
    }
}
