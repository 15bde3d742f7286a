import FileSources
import MongoSource
import RedisSource
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a set holds, as `ls` shows it: the entries of its files and config
/// trees (from the index, never the tar, where there is one), MongoDB's
/// namespaces, Redis's keys per database, and for any other component
/// what its manifest summary says.
public struct SetContents: Sendable, Codable {
    public struct Entry: Sendable, Codable, Equatable {
        public var component: String
        public var path: String
        /// file, folder, symlink, hardlink, other
        public var type: String
        /// `-rw-r--r--`
        public var mode: String
        public var size: Int64
        public var modified: Date
        /// A symlink's target, or a hard link's first name.
        public var link: String?
    }

    public struct Namespace: Sendable, Codable, Equatable {
        public var namespace: String
        public var type: String
        public var documents: Int
        public var bytes: Int64
        public var indexes: Int
        /// The collection's options as the dump recorded them (extended
        /// JSON, e.g. `{"capped":true,"size":4096}`), when not empty.
        public var options: String?
    }

    public struct KeySpace: Sendable, Codable, Equatable {
        public var database: String
        public var keys: Int
    }

    public struct Other: Sendable, Codable, Equatable {
        public var component: String
        public var summary: String
    }

    public var id: BackupSetID
    public var tier: String
    public var entries: [Entry] = []
    public var namespaces: [Namespace] = []
    public var redis: [KeySpace] = []
    public var others: [Other] = []

    static func entry(_ index: TreeIndexEntry, _ component: Component) -> Entry {
        let type: String
        switch index.type {
        case .file: type = index.isHardlink ? "hardlink" : "file"
        case .directory: type = "folder"
        case .symlink: type = "symlink"
        case .other: type = "other"
        }
        return Entry(component: component.rawValue, path: component == .config ? "/" + index.path : index.path, type: type,
                     mode: modeString(index), size: index.type == .directory ? 0 : index.size,
                     modified: Date(timeIntervalSince1970: Double(index.mtimeNanoseconds) / 1e9), link: index.linkTarget)
    }

    static func modeString(_ entry: TreeIndexEntry) -> String {
        let kind: Character
        switch entry.type {
        case .directory: kind = "d"
        case .symlink: kind = "l"
        case .file: kind = "-"
        case .other: kind = "?"
        }
        let bits = entry.mode & 0o777
        let letters: [Character] = ["r", "w", "x"]
        var text = String(kind)
        for shift in stride(from: 6, through: 0, by: -3) {
            for (offset, letter) in letters.enumerated() {
                text.append(bits & (1 << UInt32(shift + 2 - offset)) != 0 ? letter : "-")
            }
        }
        return text
    }

    /// Namespaces and keys from the manifest (no artifact is read).
    static func summaries(_ manifest: Manifest) -> (namespaces: [Namespace], redis: [KeySpace], others: [Other]) {
        let namespaces = manifest.artifact(.mongo)?.mongo?.namespaces.map {
            Namespace(namespace: $0.namespace, type: $0.type, documents: $0.documents, bytes: $0.bytes, indexes: $0.indexes)
        } ?? []
        let redis = (manifest.artifact(.redis)?.redis?.keysPerDatabase ?? [:]).sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map {
            KeySpace(database: $0.key, keys: $0.value)
        }
        let others = manifest.artifacts.filter { ![.files, .config, .mongo, .redis].contains($0.component) }.map {
            Other(component: $0.component.rawValue, summary: [$0.component.handler.describe($0), $0.contentVersion].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; "))
        }
        return (namespaces, redis, others)
    }
}
