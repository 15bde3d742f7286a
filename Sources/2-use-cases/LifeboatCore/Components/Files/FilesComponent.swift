import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration

extension Component {
    /// The uploads folder (UPLOADS_DIR), as a tar with an index.
    public static let files = Component(registered: "files")
}

/// The uploads folder: a tar of its contents, and an index of every entry
/// (names, sizes, times) beside it, from which an incremental takes only
/// what changed.
struct FilesComponent: ComponentHandler {
    var component: Component { .files }
    var fileStem: String { "files.tar" }
    var format: String { "tar" }
    var configureHint: String { "set UPLOADS_DIR to the absolute path of the uploads folder" }
    var followsChain: Bool { true }
    /// One file can be read back without the rest (`restore --include`, `dump`).
    var independentFrames: Bool { true }

    var rebuild: (any ComponentRebuild)? { FilesRebuild() }

    func isConfigured(_ settings: Settings) -> Bool { settings.uploadsDirectory != nil }

    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws {
        let settings = backup.settings
        // Every files artifact has an index; an incremental leaves out
        // what the parent's index shows unchanged.
        var changes: TreeChangeFilter?
        var base: Manifest?
        if backup.parent != nil {
            // The newest set with files (slices of oplog may be newer).
            base = try SetCatalog(tier: backup.tier).list().complete.last { $0.manifest.artifact(.files)?.index != nil }?.manifest
            if let base, let filter = FilesIndexOutput.changeFilter(settings.backupDirectory, base) {
                changes = filter
            } else {
                backup.console.info("  files: no index of an earlier set on this host: the uploads go in whole")
            }
        }
        let index = try FilesIndexOutput(tier: backup.tier, setID: backup.setID, compression: settings.compression, encryption: backup.encryption,
                                         backupDirectory: settings.backupDirectory)
        do {
            artifact.tree = try TreeArtifact.write(.folderContents(settings.uploadsDirectory!), to: sink, skipUnreadable: settings.skipUnreadable,
                                                   warn: backup.warn, index: index.sink, changes: changes, frames: backup.frames).summary
            artifact.index = try index.finish()
            if changes != nil {
                artifact.delta = true
                artifact.deltaOf = base?.id
            }
        } catch {
            index.abort()
            throw error
        }
    }

    func describe(_ artifact: Manifest.Artifact) -> String { TreeContents.describe(artifact) }

    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        try TreeContents.check(artifact, from: source)
    }

    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)? {
        guard let path = settings.uploadsDirectory else { return nil }
        return FileManager.default.isReadableFile(atPath: path) ? (true, "\(path) is readable") : (false, "\(path) is missing or unreadable")
    }

    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding] { TreeCheck.files(context) }

    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore {
        try FilesRestore.prepare(restore)
    }
}
