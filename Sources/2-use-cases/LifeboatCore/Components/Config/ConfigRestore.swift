import ByteStreams
import FileSources
import Foundation
import LifeboatCrypto
import Storage

/// A config restore: read once to check hash, structure and which files
/// already exist (refused without --overwrite); then extracted in place,
/// each file written to a temporary name and renamed over the old one.
struct ConfigRestore: PreparedRestore {
    let restore: ComponentRestore
    let root: String
    let live: Bool
    var component: Component { .config }

    static func prepare(_ restore: ComponentRestore) throws -> ConfigRestore {
        let root = restore.options.destination.map { $0 + "/config" } ?? "/"
        try check(restore, root: root)
        return ConfigRestore(restore: restore, root: root, live: restore.options.destination == nil)
    }

    /// First pass over the artifact: hash, structure, and conflicts.
    private static func check(_ restore: ComponentRestore, root: String) throws {
        let artifact = restore.artifact(.config)
        let id = restore.manifest.id
        var conflicts: [String] = []
        let prefix = root == "/" ? "" : root
        do {
            let hashing = try HashingSource(restore.openStored(artifact, of: id))
            let found = try TreeArtifact.inspect(restore.encryption.contents(of: artifact, from: hashing)) { name, entryIsDirectory in
                let path = prefix + "/" + name
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !(isDirectory.boolValue && entryIsDirectory) {
                    conflicts.append(path)
                }
            }
            try restore.requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: found)
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.integrity("\(artifact.file) of set \(id) cannot be read: \(error); nothing was restored")
        }
        if !conflicts.isEmpty && !restore.options.overwrite {
            let shown = conflicts.prefix(10).joined(separator: ", ") + (conflicts.count > 10 ? ", … (\(conflicts.count) in all)" : "")
            throw LifeboatError.usage("restoring config would replace existing files: \(shown)",
                                      hint: "pass --overwrite to replace them, or restore with --to DIR to compare first")
        }
    }

    func apply(into outcome: inout RestoreJob.Outcome) throws {
        try LocalTier.makeDirectories(root)
        let counts = try restore.extractVerified(restore.artifact(.config), of: restore.manifest.id, into: root, replaceAtomically: true)
        outcome.restored.append((.config, root))
        restore.console.info("  config: \(counts.countsDescription) → \(root == "/" ? "original paths" : root)")
    }
}
