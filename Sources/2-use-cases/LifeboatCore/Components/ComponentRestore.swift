import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration
import LifeboatCrypto
import Storage

/// What a component's restore may use: the set, the tier it is read from,
/// the key, the options, and the checked ways of reading stored artifacts.
struct ComponentRestore {
    let settings: Settings
    let tier: any StorageTier
    let console: Console
    let encryption: Encryption
    let options: RestoreJob.Options
    let manifest: Manifest

    func artifact(_ component: Component) -> Manifest.Artifact {
        // RestoreJob asks a handler only for a component the set holds.
        manifest.artifact(component)!
    }

    var catalog: SetCatalog { SetCatalog(tier: tier) }

    /// An artifact's stored bytes, counted on the progress line when there is one.
    func openStored(_ artifact: Manifest.Artifact, of id: BackupSetID) throws -> any ByteSource {
        let stored = try tier.open(key: "\(id)/\(artifact.file)")
        guard let meter = console.meter else { return stored }
        meter.begin("restore \(artifact.component.rawValue)")
        return ProgressSource(stored, meter: meter)
    }

    /// The decrypted, decompressed contents of an artifact.
    func contents(_ artifact: Manifest.Artifact, of id: BackupSetID) throws -> any ByteSource {
        try encryption.contents(of: artifact, from: openStored(artifact, of: id))
    }

    /// A first read of an artifact that cannot be staged (a database
    /// restore writes as it goes): its stored bytes must hash to the
    /// manifest's SHA-256 before anything is changed. Equal bytes are the
    /// bytes the backup wrote and checked; the format's own checks run
    /// again while restoring.
    func checkWhole(_ artifact: Manifest.Artifact, in id: BackupSetID) throws {
        do {
            let hashing = try HashingSource(openStored(artifact, of: id))
            try requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: nil)
        } catch let error as LifeboatError {
            throw error
        } catch {
            throw LifeboatError.integrity("\(artifact.file) of set \(id) cannot be read: \(error); nothing was restored")
        }
    }

    /// Extracts a tar artifact while hashing it (with `select`, only the
    /// entries it chooses; the rest are read and counted all the same);
    /// throws an integrity error on any mismatch.
    func extractVerified(_ artifact: Manifest.Artifact, of id: BackupSetID, into root: String, replaceAtomically: Bool,
                         select: ((String) throws -> EntryChoice)? = nil) throws -> TreeSummary {
        let hashing: HashingSource
        do {
            hashing = try HashingSource(openStored(artifact, of: id))
        } catch {
            throw LifeboatError.wrap(error, doing: "opening \(artifact.file)")
        }
        let found: TreeSummary
        do {
            found = try TreeArtifact.extract(encryption.contents(of: artifact, from: hashing), into: root, replaceAtomically: replaceAtomically, select: select)
        } catch {
            // A damaged stream fails here; say it is the set, not the disk, when it is.
            let digest = try? hashing.finishHex()
            if let digest, digest != artifact.sha256 {
                throw LifeboatError.integrity("\(artifact.file) of set \(id) is corrupt (SHA-256 \(digest), manifest \(artifact.sha256)); nothing was changed",
                                              hint: "restore another set; `lifeboat verify \(id)` records the failure")
            }
            throw LifeboatError.wrap(error, doing: "restoring \(artifact.component.rawValue)")
        }
        try requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: found)
        return found
    }

    func requireIntact(_ artifact: Manifest.Artifact, digest: String, bytes: UInt64, tree: TreeSummary?) throws {
        if digest != artifact.sha256 || Int64(bytes) != artifact.storedBytes {
            throw LifeboatError.integrity("\(artifact.file) does not match its manifest (SHA-256 \(digest), expected \(artifact.sha256)); nothing was changed",
                                          hint: "restore another set; `lifeboat verify` records the failure")
        }
        if let tree, let expected = artifact.tree, !expected.sameContents(as: tree) {
            throw LifeboatError.integrity("\(artifact.file) holds \(tree.countsDescription), the manifest says \(expected.countsDescription); nothing was changed")
        }
    }
}

extension FolderSwap {
    /// A staged folder restore's last step: swapped in, where the previous
    /// contents were kept recorded and said.
    func swapIn(_ component: Component, into outcome: inout RestoreJob.Outcome, console: Console) throws {
        do {
            if let kept = try commit() {
                outcome.keptPrevious.append(kept)
                console.info("  \(component.rawValue): previous contents kept at \(kept)")
            }
        } catch {
            throw LifeboatError.wrap(error, doing: "swapping the restored \(component.rawValue) into \(target)")
        }
        outcome.restored.append((component, target))
    }
}
