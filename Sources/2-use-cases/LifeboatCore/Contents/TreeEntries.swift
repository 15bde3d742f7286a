import ByteStreams
import FileSources
import Foundation
import LifeboatCrypto
import Storage

/// The entries of a set's files or config artifact, in tar order: from
/// the files index when the artifact has one (only the index is read: from
/// S3 a few hundred KiB, not the tar), else from the tar itself (config,
/// whose artifact is small). Either read is checked against the manifest's
/// SHA-256 before anything is believed.
struct TreeEntries {
    let tier: any StorageTier
    let encryption: Encryption

    /// A tree's entries in tar order, and (files index version 2) each
    /// independent frame's compressed offset.
    struct Listing {
        var entries: [TreeIndexEntry]
        var frameOffsets: [Int64] = []
    }

    /// The files index of `manifest`'s `component` artifact; nil when it has none.
    func index(of manifest: Manifest, _ component: Component = .files) throws -> [TreeIndexEntry]? {
        try indexListing(of: manifest, component)?.entries
    }

    /// The index of `manifest`'s `component` artifact as an artifact of its own (its file and SHA-256).
    private func indexArtifact(of manifest: Manifest, _ component: Component) -> Manifest.Artifact? {
        guard let artifact = manifest.artifact(component), let reference = artifact.index else { return nil }
        var indexArtifact = artifact
        indexArtifact.file = reference.file
        indexArtifact.sha256 = reference.sha256
        return indexArtifact
    }

    func indexListing(of manifest: Manifest, _ component: Component = .files) throws -> Listing? {
        guard let indexArtifact = indexArtifact(of: manifest, component) else { return nil }
        var offsets: [Int64] = []
        let entries = try read(indexArtifact, of: manifest.id) { try TreeIndex.read($0, frames: { offsets = $0 }, $1) }
        return Listing(entries: entries, frameOffsets: offsets)
    }

    /// The files index of `manifest`, copied into a scratch file in
    /// `folder` and checked against the manifest's SHA-256 (read it with
    /// `TreeIndexReader`, one entry at a time); nil when the set has none.
    func spoolIndex(of manifest: Manifest, into folder: String, _ component: Component = .files) throws -> ScratchFile? {
        guard let indexArtifact = indexArtifact(of: manifest, component) else { return nil }
        let scratch = try ScratchFile(path: folder + "/.lifeboat-staging-index-\(manifest.id)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))")
        // Read through its descriptor only: unlinked now, nothing is left behind even by kill -9.
        unlink(scratch.path)
        let sink = scratch.sink
        try readChecked(indexArtifact, of: manifest.id) { _ = try $0.drain { try sink.write($0) } }
        return scratch
    }

    /// Every entry of the component's tree: its index, or a read of the tar.
    func list(_ manifest: Manifest, _ component: Component) throws -> [TreeIndexEntry] {
        try listing(manifest, component).entries
    }

    func listing(_ manifest: Manifest, _ component: Component) throws -> Listing {
        if let listing = try indexListing(of: manifest, component) { return listing }
        guard let artifact = manifest.artifact(component) else { return Listing(entries: []) }
        return Listing(entries: try read(artifact, of: manifest.id) { try TreeArtifact.entries($0, visit: $1) })
    }

    /// The entries `parse` finds in the stored file, read to its end and
    /// believed only when its SHA-256 is the manifest's.
    private func read(_ artifact: Manifest.Artifact, of id: BackupSetID,
                      _ parse: (any ByteSource, (TreeIndexEntry) throws -> Void) throws -> Void) throws -> [TreeIndexEntry] {
        var entries: [TreeIndexEntry] = []
        try readChecked(artifact, of: id) { try parse($0) { entries.append($0) } }
        return entries
    }

    /// Gives `body` the stored file's contents (decrypted), then reads it
    /// to its end and throws unless its SHA-256 is the manifest's.
    private func readChecked(_ artifact: Manifest.Artifact, of id: BackupSetID, _ body: (any ByteSource) throws -> Void) throws {
        do {
            let hashing = try HashingSource(tier.open(key: "\(id)/\(artifact.file)"))
            try body(encryption.contents(of: artifact, from: hashing))
            try hashing.drain()
            guard try hashing.finishHex() == artifact.sha256 else {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) does not match its manifest; nothing was changed",
                                              hint: "`lifeboat verify \(id)` checks the whole set")
            }
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.wrap(error, doing: "reading \(artifact.file) of set \(id)")
        }
    }
}
