import ByteStreams
import FileSources
import Foundation
import LifeboatCrypto
import LifeboatConfiguration
import Storage

/// An uploads restore: extracted into a staging folder beside the target
/// while the stored bytes are hashed (for an incremental, its chain's
/// last whole tree and then each later link); swapped in only when every
/// hash and count matches the manifest. The previous contents are kept aside.
struct FilesRestore: PreparedRestore {
    let swap: FolderSwap
    let counts: TreeSummary
    let live: Bool
    let console: Console
    var component: Component { .files }
    var staging: String? { swap.stagingPath }

    static func prepare(_ restore: ComponentRestore) throws -> FilesRestore {
        let manifest = restore.manifest
        let artifact = restore.artifact(.files)
        let target = try target(artifact, restore)
        let swap: FolderSwap
        do {
            swap = try FolderSwap(target: target, tag: manifest.id.rawValue, overwrite: restore.options.overwrite)
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring files")
        }
        do {
            let counts = artifact.delta == true
                ? try extractChain(restore, into: swap.resolvedStaging)
                : try restore.extractVerified(artifact, of: manifest.id, into: swap.resolvedStaging, replaceAtomically: false)
            return FilesRestore(swap: swap, counts: counts, live: restore.options.destination == nil, console: restore.console)
        } catch {
            swap.discard()
            throw error
        }
    }

    private static func target(_ artifact: Manifest.Artifact, _ restore: ComponentRestore) throws -> String {
        if let destination = restore.options.destination { return destination + "/files" }
        if let uploads = restore.settings.uploadsDirectory { return uploads }
        if let original = artifact.tree?.sourcePaths.first { return original }
        throw LifeboatError.usage("cannot tell where to restore the files", hint: "set UPLOADS_DIR or pass --to DIR")
    }

    func apply(into outcome: inout RestoreJob.Outcome) throws {
        try swap.swapIn(.files, into: &outcome, console: console)
        console.info("  files: \(counts.countsDescription) → \(swap.target)")
    }

    func discard() { swap.discard() }

    /// The links whose files artifacts make `manifest`'s tree: the last
    /// whole one, then each delta up to it.
    static func chain(ending manifest: Manifest, in catalog: SetCatalog) throws -> [Manifest] {
        try SetChain.links(ending: manifest, in: catalog, next: { link in
            guard let files = link.artifact(.files), files.delta == true else { return nil }
            return files.deltaOf ?? link.parent
        }, missing: { child, baseID in
            LifeboatError.integrity("the files of set \(child.id) build on \(baseID), which is missing here: the chain is broken",
                                    hint: "restore a set whose chain is whole (`lifeboat list` shows parents; a full set needs none), or copy \(baseID) back from a tier that holds it (`lifeboat copy \(baseID) --from TIER --tier local`)")
        }, check: { child, base in
            guard base.artifact(.files)?.index != nil else {
                throw LifeboatError.integrity("the files of set \(child.id) build on \(base.id), which has no files index: the chain is broken")
            }
        })
    }

    /// An incremental's uploads: the last whole files artifact of its
    /// chain, then each later link in order: what its index no longer has
    /// (or has as another type) is deleted, then its changed entries are
    /// extracted over the tree. Everything happens in the staging folder,
    /// so a failure at any link leaves the live folder untouched.
    private static func extractChain(_ restore: ComponentRestore, into root: String) throws -> TreeSummary {
        let links = try chain(ending: restore.manifest, in: restore.catalog)
        var summary = try restore.extractVerified(links[0].artifact(.files)!, of: links[0].id, into: root, replaceAtomically: false)
        var previous = try loadIndex(restore, of: links[0])
        for link in links.dropFirst() {
            let current = try loadIndex(restore, of: link)
            let gone = previous.filter { path, entry in current[path].map { $0.type != entry.type } ?? true }.keys
            for path in gone.sorted(by: { $0.count > $1.count }) {
                try? FileManager.default.removeItem(atPath: root + "/" + path)
            }
            let applied = try restore.extractVerified(link.artifact(.files)!, of: link.id, into: root, replaceAtomically: true)
            restore.console.info("  files: \(link.id): \(applied.countsDescription) changed, \(gone.count) removed")
            summary = applied
            previous = current
        }
        // Deleting and extracting touched folders: give each its recorded time again, deepest first.
        for entry in previous.values.filter({ $0.type == .directory }).sorted(by: { $0.path.count > $1.path.count }) {
            entry.applyTime(to: root + "/" + entry.path)
        }
        summary.files = previous.values.filter { $0.type == .file }.count
        summary.directories = previous.values.filter { $0.type == .directory }.count
        summary.symlinks = previous.values.filter { $0.type == .symlink }.count
        summary.hardlinks = 0
        summary.bytes = previous.values.filter { $0.type == .file }.reduce(0) { $0 + $1.size }
        return summary
    }

    /// A set's files index, checked against its manifest entry.
    private static func loadIndex(_ restore: ComponentRestore, of manifest: Manifest) throws -> [String: TreeIndexEntry] {
        guard let entries = try TreeEntries(tier: restore.tier, encryption: restore.encryption).index(of: manifest) else {
            throw LifeboatError.integrity("set \(manifest.id) has no files index")
        }
        return Dictionary(entries.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
    }
}
