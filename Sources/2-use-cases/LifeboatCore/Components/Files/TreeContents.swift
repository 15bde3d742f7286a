import ByteStreams
import FileSources

/// What files and config share: a tar artifact whose entries and bytes
/// the manifest counts.
enum TreeContents {
    static func check(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        let found = try TreeArtifact.inspect(source)
        if let expected = artifact.tree, !expected.sameContents(as: found) {
            return ["contents differ from the manifest: expected \(expected.countsDescription), found \(found.countsDescription)"]
        }
        return []
    }

    static func describe(_ artifact: Manifest.Artifact) -> String {
        guard let tree = artifact.tree else { return "" }
        guard let unchanged = tree.unchanged else { return tree.countsDescription }
        return "changed: \(tree.countsDescription); \(unchanged) unchanged, \(tree.deleted ?? 0) deleted"
    }
}
