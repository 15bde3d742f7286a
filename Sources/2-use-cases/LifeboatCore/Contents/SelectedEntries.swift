import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration
import LifeboatCrypto
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Some entries of a set's files or config tree, extracted into a staging
/// folder: `restore --include` and `dump` share it.
///
/// With a files index that records frames (sets of this version), each
/// entry is read from the link of its chain that holds its newest bytes,
/// and only the frames that hold it are transferred; the frames' own
/// checksums, the age tags and each file's size are checked. Without one
/// (config, older sets) the whole artifact is read, its SHA-256 checked,
/// and only the chosen entries written.
struct SelectedEntries {
    let tier: any StorageTier
    let catalog: SetCatalog
    let encryption: Encryption

    struct Result {
        /// The chosen entries, in tar order of the set's tree (parents first).
        var entries: [TreeIndexEntry]
        /// Whether the artifacts read were hash-checked whole (false: frames checked).
        var wholeArtifactsChecked: Bool
        /// Stored bytes read from the tier.
        var transferred: Int64
    }

    /// The entries of `tree` (the set's listing) that the patterns select,
    /// with the first names of selected hard links.
    static func choose(_ tree: [TreeIndexEntry], where selects: (String) -> Bool) -> [TreeIndexEntry] {
        var chosen = tree.filter { selects($0.path) }
        let names = Set(chosen.map(\.path))
        let targets = Set(chosen.compactMap { $0.isHardlink ? $0.linkTarget : nil }).subtracting(names)
        if !targets.isEmpty { chosen = tree.filter { names.contains($0.path) || targets.contains($0.path) } }
        return chosen
    }

    /// Extracts `chosen` (entries of `manifest`'s `component` tree) under `staging`.
    /// `tree` is the set's listing the entries were chosen from (its index, read once).
    func extract(_ chosen: [TreeIndexEntry], from tree: TreeEntries.Listing, of manifest: Manifest, _ component: Component, into staging: String) throws -> Result {
        let result = try extractEntries(chosen, tree, of: manifest, component, into: staging)
        // Folders get the mode and time the set recorded, deepest first
        // (making and filling them changed both).
        for entry in chosen.filter({ $0.type == .directory }).sorted(by: { $0.path.count > $1.path.count }) {
            let path = staging + "/" + entry.path
            chmod(path, mode_t(entry.mode & 0o7777))
            entry.applyTime(to: path)
        }
        return result
    }

    private func extractEntries(_ chosen: [TreeIndexEntry], _ tree: TreeEntries.Listing, of manifest: Manifest, _ component: Component, into staging: String) throws -> Result {
        guard let artifact = manifest.artifact(component) else { return Result(entries: [], wholeArtifactsChecked: true, transferred: 0) }
        if artifact.index != nil && (artifact.delta == true || chosen.contains { $0.location != nil }) {
            return try extractFrames(chosen, tree, of: manifest, component, into: staging)
        }
        guard artifact.delta != true else {
            throw LifeboatError.usage("set \(manifest.id) is an incremental written by an older Lifeboat: its index does not say where each file is, so single files cannot be taken from its chain",
                                          hint: "restore the whole tree elsewhere and copy what you need: lifeboat restore \(manifest.id) --components \(component.rawValue) --to /tmp/restore")
        }
        return try extractWhole(chosen, artifact, of: manifest.id, into: staging)
    }

    /// The whole artifact read, hash-checked, only `chosen` written.
    private func extractWhole(_ chosen: [TreeIndexEntry], _ artifact: Manifest.Artifact, of id: BackupSetID, into staging: String) throws -> Result {
        let wanted = Set(chosen.map(\.path))
        do {
            let hashing = try HashingSource(tier.open(key: "\(id)/\(artifact.file)"))
            _ = try TreeArtifact.extract(encryption.contents(of: artifact, from: hashing), into: staging, replaceAtomically: false) { path in
                wanted.contains(path) ? .extract : .skip
            }
            try hashing.drain()
            let digest = try hashing.finishHex()
            guard digest == artifact.sha256, Int64(hashing.count) == artifact.storedBytes else {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) does not match its manifest (SHA-256 \(digest)); nothing was restored",
                                              hint: "restore from another set or tier; `lifeboat verify \(id)` records the failure")
            }
            return Result(entries: chosen, wholeArtifactsChecked: true, transferred: Int64(hashing.count))
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.wrap(error, doing: "reading \(artifact.file) of set \(id)")
        }
    }

    /// Ranged reads: each chosen entry from the link holding its newest
    /// bytes, the frames of each link read in runs.
    private func extractFrames(_ chosen: [TreeIndexEntry], _ tree: TreeEntries.Listing, of manifest: Manifest, _ component: Component, into staging: String) throws -> Result {
        let entries = TreeEntries(tier: tier, encryption: encryption)
        let links = manifest.artifact(component)?.delta == true ? try FilesRestore.chain(ending: manifest, in: catalog) : [manifest]
        var unresolved = Set(chosen.filter { $0.type != .directory }.map(\.path))
        // Folders are made here (their modes and times are set when placed).
        for entry in chosen where entry.type == .directory {
            try LocalTier.makeDirectories(staging + "/" + entry.path)
        }
        var plan: [(link: Manifest, index: TreeEntries.Listing, wanted: [TreeIndexEntry])] = []
        for link in links.reversed() where !unresolved.isEmpty {
            guard let index = link.id == manifest.id ? tree : try entries.indexListing(of: link, component) else {
                throw LifeboatError.integrity("set \(link.id) in the chain of \(manifest.id) has no files index: the chain is broken")
            }
            guard index.entries.contains(where: { $0.location != nil }) || index.entries.isEmpty else {
                throw LifeboatError.usage("set \(link.id) in the chain of \(manifest.id) was written by an older Lifeboat: its index does not say where each file is, so single files cannot be taken from it",
                                              hint: "restore the whole tree elsewhere and copy what you need: lifeboat restore \(manifest.id) --components \(component.rawValue) --to /tmp/restore")
            }
            let found = index.entries.filter { $0.location != nil && unresolved.contains($0.path) }
            unresolved.subtract(found.map(\.path))
            if !found.isEmpty { plan.insert((link, index, found), at: 0) }
        }
        if !unresolved.isEmpty {
            let names = unresolved.sorted().prefix(5).joined(separator: ", ")
            throw LifeboatError.integrity("\(unresolved.count) chosen entries (\(names)) are in no artifact of the chain of \(manifest.id): the index and the artifacts disagree; nothing was restored",
                                          hint: "`lifeboat verify \(manifest.id)` checks the set; restore the whole tree with --to DIR to see what it holds")
        }
        let frames = ArtifactFrames(tier: tier, encryption: encryption)
        for (link, index, wanted) in plan {
            try extractRuns(wanted, index: index, link.artifact(component)!, of: link.id, frames: frames, into: staging)
        }
        // What the chosen files are in the set is what must be on disk now.
        for entry in chosen where entry.type == .file {
            var st = Glibc.stat()
            let path = staging + "/" + entry.path
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int64(st.st_size) == entry.size else {
                throw LifeboatError.integrity("\(entry.path) came out of set \(manifest.id) \(lstat(path, &st) == 0 ? "with \(st.st_size) bytes, the index says \(entry.size)" : "missing"); nothing was restored",
                                              hint: "`lifeboat verify \(manifest.id)` checks the whole set")
            }
        }
        return Result(entries: chosen, wholeArtifactsChecked: false, transferred: frames.transferred)
    }

    /// The frames holding `wanted`, read in runs: an entry is read from
    /// the frame its header begins in up to the end of the frame the next
    /// entry's header begins in (so its last byte is in the range).
    private func extractRuns(_ wanted: [TreeIndexEntry], index: TreeEntries.Listing, _ artifact: Manifest.Artifact, of id: BackupSetID,
                             frames: ArtifactFrames, into staging: String) throws {
        let offsets = index.frameOffsets
        let located = index.entries.filter { $0.location != nil }
        var following: [String: Int64] = [:]
        for (position, entry) in located.enumerated() where position + 1 < located.count {
            following[entry.path] = located[position + 1].location!.frame
        }
        func offset(_ frame: Int64) throws -> Int64 {
            guard frame >= 0, frame < Int64(offsets.count) else {
                throw LifeboatError.integrity("the files index of set \(id) places an entry in frame \(frame), and its frame table has \(offsets.count); nothing was restored",
                                              hint: "`lifeboat verify \(id)` checks the whole set")
            }
            return offsets[Int(frame)]
        }
        func end(_ entry: TreeIndexEntry) throws -> Int64? {
            guard let next = following[entry.path], next + 1 < Int64(offsets.count) else { return nil }
            return try offset(next + 1)
        }
        let ordered = wanted.sorted { ($0.location!.frame, $0.location!.offsetInFrame) < ($1.location!.frame, $1.location!.offsetInFrame) }
        var runs: [(entries: [TreeIndexEntry], start: Int64, end: Int64?)] = []
        for entry in ordered {
            let start = try offset(entry.location!.frame), stop = try end(entry)
            if let last = runs.last, last.end.map({ start <= $0 }) ?? true {
                runs[runs.count - 1].entries.append(entry)
                runs[runs.count - 1].end = stop.flatMap { stop in last.end.map { max($0, stop) } }
            } else {
                runs.append(([entry], start, stop))
            }
        }
        for (run, start, stop) in runs {
            let first = run[0].location!
            var remaining = Set(run.map(\.path))
            let source = try frames.open(artifact, of: id, from: start, to: stop)
            do {
                guard try source.skip(first.offsetInFrame) == first.offsetInFrame else {
                    throw LifeboatError.integrity("\(artifact.file) of set \(id) ends before the entry \(run[0].path) the index places in it; nothing was restored")
                }
                var expectFirst: String? = run[0].path
                _ = try TreeArtifact.extract(source, into: staging, replaceAtomically: false) { path in
                    if let expected = expectFirst {
                        expectFirst = nil
                        guard path == expected else {
                            throw LifeboatError.integrity("\(artifact.file) of set \(id) holds \(path) where its index places \(expected): the index does not match the artifact; nothing was restored",
                                                          hint: "`lifeboat verify \(id)` checks the whole set")
                        }
                    }
                    guard remaining.remove(path) != nil else { return .skip }
                    return remaining.isEmpty ? .extractLast : .extract
                }
                // To the run's end, so every frame read is checked whole
                // (zstd's content checksum and gzip's CRC come at a frame's end).
                try source.drain()
            } catch let error as LifeboatError {
                throw error
            } catch {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) cannot be read where \(run[0].path) is: \(error); nothing was restored",
                                              hint: "restore from another set or tier; `lifeboat verify \(id)` records the failure")
            }
            if !remaining.isEmpty {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) does not hold \(remaining.sorted().first!) where its index places it; nothing was restored",
                                              hint: "`lifeboat verify \(id)` checks the whole set")
            }
        }
    }
}
