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

    /// An incremental's uploads, from its chain: the last whole files
    /// artifact and each later link, every one read whole and checked
    /// against its manifest. Everything happens in the staging folder, so
    /// a failure at any link leaves the live folder untouched.
    ///
    /// Each entry of the tree is written once, from the link that last
    /// stored it (`ChainPlan`); the rest of each artifact is read and
    /// hashed, not written. A chain the plan cannot cover is extracted
    /// link over link instead (`extractLinkOverLink`).
    private static func extractChain(_ restore: ComponentRestore, into root: String) throws -> TreeSummary {
        let links = try chain(ending: restore.manifest, in: restore.catalog)
        let entries = TreeEntries(tier: restore.tier, encryption: restore.encryption)
        let scratch = restore.settings.backupDirectory
        try LocalTier.makeDirectories(scratch)
        guard let plan = try ChainPlan.make(links, entries: entries, scratch: scratch) else {
            restore.console.info("  files: restoring the chain link over link (an index of an older Lifeboat or out of tree order, or hard links whose names come from different sets)")
            return try extractLinkOverLink(links, restore, entries: entries, scratch: scratch, into: root)
        }
        var absent = TreeSummary()
        var absentNames: [String] = []
        for (number, link) in links.enumerated() {
            let selection = try plan.selection(forLink: number)
            let read = try restore.extractVerified(link.artifact(.files)!, of: link.id, into: root, replaceAtomically: false, select: selection.choose)
            try selection.finish()
            absent.add(selection.absent)
            absentNames = Array((absentNames + selection.absentNames).prefix(5))
            restore.console.info("  files: \(link.id): \(selection.written) of its \(read.entryCount) entries written (the others change again or go in a later set)")
        }
        var summary = TreeSummary(sourcePaths: [root])
        var folders: [TreeIndexEntry] = []
        var nowhere = TreeSummary()
        try plan.forEach { entry, link in
            if link < 0 { nowhere.count(entry) } else { summary.count(entry) }
            if entry.type == .directory && link >= 0 { folders.append(entry) }
        }
        summary.add(absent, sign: -1)
        let missing = absent.entryCount + nowhere.entryCount
        if missing > 0 {
            restore.console.info("  files: \(missing) entries of the index were not stored by their set (sockets, or unreadable or removed while its backup ran; its manifest's warnings name them)\(absentNames.isEmpty ? "" : ", e.g. " + absentNames.joined(separator: ", "))")
        }
        // Extracting wrote into folders after their own entries: give each its recorded time again, deepest first.
        for entry in folders.sorted(by: { $0.path.count > $1.path.count }) {
            entry.applyTime(to: root + "/" + entry.path)
        }
        return summary
    }

    /// The chain as the plan cannot take it: the whole tree of the first
    /// link, then for each later link, what its index no longer has (or has
    /// as another type) is deleted and its changed entries are extracted
    /// over the tree, each replacing the file before.
    ///
    /// Memory does not grow with the tree: each link's index is copied
    /// (checked) to a scratch file in BACKUP_DIR and two are walked side by
    /// side in the archiver's order (`TreeOrder`), one entry of each held;
    /// only the folders' times are kept until the end. An index not in that
    /// order (none written by this Lifeboat) is compared in memory instead.
    private static func extractLinkOverLink(_ links: [Manifest], _ restore: ComponentRestore, entries: TreeEntries,
                                            scratch: String, into root: String) throws -> TreeSummary {
        var summary = try restore.extractVerified(links[0].artifact(.files)!, of: links[0].id, into: root, replaceAtomically: false)
        var previous = try spool(entries, links[0], into: scratch)
        for link in links.dropFirst() {
            let current = try spool(entries, link, into: scratch)
            let removed = try removeGone(from: root, previous: previous, current: current)
            let applied = try restore.extractVerified(link.artifact(.files)!, of: link.id, into: root, replaceAtomically: true)
            restore.console.info("  files: \(link.id): \(applied.countsDescription) changed, \(removed) removed")
            summary = applied
            previous = current
        }
        // Deleting and extracting touched folders: give each its recorded time again, deepest first.
        var folders: [TreeIndexEntry] = []
        summary.files = 0
        summary.directories = 0
        summary.symlinks = 0
        summary.hardlinks = 0
        summary.bytes = 0
        try forEach(previous) { entry in
            switch entry.type {
            case .file:
                summary.files += 1
                summary.bytes += entry.size
            case .directory:
                summary.directories += 1
                folders.append(entry)
            case .symlink: summary.symlinks += 1
            case .other: break
            }
        }
        for entry in folders.sorted(by: { $0.path.count > $1.path.count }) {
            entry.applyTime(to: root + "/" + entry.path)
        }
        return summary
    }

    /// A link's index in a scratch file, and whether its entries are in the archiver's order.
    private struct SpooledIndex {
        let file: ScratchFile
        let ordered: Bool
    }

    private static func spool(_ entries: TreeEntries, _ manifest: Manifest, into folder: String) throws -> SpooledIndex {
        guard let file = try entries.spoolIndex(of: manifest, into: folder) else {
            throw LifeboatError.integrity("set \(manifest.id) has no files index")
        }
        var last: String?
        var ordered = true
        let reader = TreeIndexReader(file.source())
        while let entry = try reader.next() {
            if let last, TreeOrder.compare(last, entry.path) >= 0 { ordered = false }
            last = entry.path
        }
        return SpooledIndex(file: file, ordered: ordered)
    }

    private static func forEach(_ index: SpooledIndex, _ body: (TreeIndexEntry) throws -> Void) throws {
        let reader = TreeIndexReader(index.file.source())
        while let entry = try reader.next() { try body(entry) }
    }

    /// Deletes from `root` what `previous` has and `current` has not (or
    /// has as another type); returns how many entries that was.
    private static func removeGone(from root: String, previous: SpooledIndex, current: SpooledIndex) throws -> Int {
        var removed = 0
        func remove(_ path: String) {
            removed += 1
            // Never through a symlink: an earlier link's symlink at a folder's
            // place must not carry a deletion outside the staging folder.
            var folder = root
            for name in path.split(separator: "/").dropLast() {
                folder += "/" + name
                var status = stat()
                guard lstat(folder, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { return }
            }
            // A folder goes with what is in it; its entries, met next, are then already gone.
            try? FileManager.default.removeItem(atPath: root + "/" + path)
        }
        guard previous.ordered && current.ordered else {
            var now: [String: TreeIndexEntry.EntryType] = [:]
            try forEach(current) { now[$0.path] = $0.type }
            var gone: [String] = []
            try forEach(previous) { entry in if now[entry.path] != entry.type { gone.append(entry.path) } }
            for path in gone.sorted(by: { $0.count > $1.count }) { remove(path) }
            return removed
        }
        let after = TreeIndexReader(current.file.source())
        var next = try after.next()
        try forEach(previous) { entry in
            while let candidate = next, TreeOrder.compare(candidate.path, entry.path) < 0 { next = try after.next() }
            if let candidate = next, TreeOrder.compare(candidate.path, entry.path) == 0 {
                if candidate.type != entry.type { remove(entry.path) }
                next = try after.next()
            } else {
                remove(entry.path)
            }
        }
        return removed
    }
}
