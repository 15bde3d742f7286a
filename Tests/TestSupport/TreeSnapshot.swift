import Foundation

/// Everything a restore must reproduce about a tree, for comparisons:
/// type, permission bits, mtime (seconds), content digest, symlink target,
/// and which paths share an inode (hard links).
public struct TreeSnapshot: Equatable, CustomStringConvertible {
    public struct Node: Equatable {
        public var kind: String
        public var mode: UInt32
        public var mtime: Int
        public var size: Int64
        public var content: Int
        public var linkTarget: String?
        public var hardlinkGroup: String?
    }

    public var nodes: [String: Node]

    public init(of root: String, includeDirectoryTimes: Bool = true) {
        var nodes: [String: Node] = [:]
        var inodes: [UInt64: String] = [:]
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
        for name in names {
            let path = root + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            var node = Node(kind: "other", mode: UInt32(st.st_mode) & 0o7777, mtime: Int(st.st_mtim.tv_sec), size: 0, content: 0)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                node.kind = "dir"
                if !includeDirectoryTimes { node.mtime = 0 }
            case S_IFLNK:
                node.kind = "symlink"
                node.linkTarget = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
            case S_IFREG:
                node.kind = "file"
                node.size = Int64(st.st_size)
                node.content = (FileManager.default.contents(atPath: path) ?? Data()).hashValue
                if st.st_nlink > 1 {
                    let first = inodes[UInt64(st.st_ino)] ?? name
                    inodes[UInt64(st.st_ino)] = first
                    node.hardlinkGroup = first
                }
            default:
                break
            }
            nodes[name] = node
        }
        self.nodes = nodes
    }

    public var description: String {
        nodes.keys.sorted().map { "\($0): \(nodes[$0]!)" }.joined(separator: "\n")
    }

    /// Human-readable differences, empty when equal.
    public func differences(from other: TreeSnapshot) -> [String] {
        var out: [String] = []
        for key in Set(nodes.keys).union(other.nodes.keys).sorted() {
            switch (nodes[key], other.nodes[key]) {
            case let (a?, b?) where a != b: out.append("\(key): \(a) != \(b)")
            case (nil, _?): out.append("\(key): only in the second tree")
            case (_?, nil): out.append("\(key): only in the first tree")
            default: continue
            }
        }
        return out
    }
}
