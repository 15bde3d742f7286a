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

    /// The files index of `manifest`'s `component` artifact; nil when it has none.
    func index(of manifest: Manifest, _ component: Component = .files) throws -> [TreeIndexEntry]? {
        guard let artifact = manifest.artifact(component), let reference = artifact.index else { return nil }
        var indexArtifact = artifact
        indexArtifact.file = reference.file
        var entries: [TreeIndexEntry] = []
        do {
            let hashing = try HashingSource(tier.open(key: "\(manifest.id)/\(reference.file)"))
            try TreeIndex.read(encryption.contents(of: indexArtifact, from: hashing)) { entries.append($0) }
            try hashing.drain()
            guard try hashing.finishHex() == reference.sha256 else {
                throw LifeboatError.integrity("\(reference.file) of set \(manifest.id) does not match its manifest; nothing was changed",
                                              hint: "`lifeboat verify \(manifest.id)` checks the whole set")
            }
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.wrap(error, doing: "reading \(reference.file) of set \(manifest.id)")
        }
        return entries
    }

    /// Every entry of the component's tree: its index, or a read of the tar.
    func list(_ manifest: Manifest, _ component: Component) throws -> [TreeIndexEntry] {
        if let entries = try index(of: manifest, component) { return entries }
        guard let artifact = manifest.artifact(component) else { return [] }
        var entries: [TreeIndexEntry] = []
        do {
            let hashing = try HashingSource(tier.open(key: "\(manifest.id)/\(artifact.file)"))
            try TreeArtifact.entries(encryption.contents(of: artifact, from: hashing)) { entries.append($0) }
            try hashing.drain()
            guard try hashing.finishHex() == artifact.sha256 else {
                throw LifeboatError.integrity("\(artifact.file) of set \(manifest.id) does not match its manifest",
                                              hint: "`lifeboat verify \(manifest.id)` records the failure")
            }
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.wrap(error, doing: "reading \(artifact.file) of set \(manifest.id)")
        }
        return entries
    }
}
