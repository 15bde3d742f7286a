import ByteStreams
import Foundation
import LifeboatConfiguration

/// Everything the use cases need of one component. Backup, verify,
/// restore, rebuild, doctor and status iterate over the registered
/// handlers (`ComponentRegistry`) and never branch on a component: what
/// differs lives in the component's folder under `Components/`.
protocol ComponentHandler: Sendable {
    var component: Component { get }
    /// The variable that turns it on (`MONGO_URI`), as messages name it.
    var variable: String { get }
    /// The artifact's file name before the compression suffix (`mongo.archive`).
    var fileStem: String { get }
    /// The artifact's format in the manifest (`mongodump-archive`).
    var format: String { get }
    /// How to turn it on, for a backup that asks for it without its variable.
    var configureHint: String { get }
    /// Whether a restore needs the set's earlier links (an incremental
    /// builds on its parent for this component).
    var followsChain: Bool { get }
    /// Whether the artifact is written as independent compressed frames
    /// whose places its backup records (so parts of it can be read alone).
    var independentFrames: Bool { get }
    /// What a rebuild does with it (default: restores it when the stack has a target).
    var rebuildRole: RebuildRole { get }
    /// Its part in a rebuild (nil for a component a rebuild only reports).
    var rebuild: (any ComponentRebuild)? { get }

    /// Configured in this environment (its variable is set).
    func isConfigured(_ settings: Settings) -> Bool

    /// Streams the component's raw (uncompressed) contents into `sink`,
    /// filling in the artifact's summary. Compression, encryption, hashing
    /// and the write order are the caller's.
    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws

    /// The summary on the backup's line (`12 namespaces, 3400 documents`).
    func describe(_ artifact: Manifest.Artifact) -> String

    /// The version of what the artifact holds, when it has one (code: its commit).
    func contentVersion(_ artifact: Manifest.Artifact) -> String?

    /// Reads the decompressed contents to the end; the differences from the
    /// manifest, empty when they match.
    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String]

    /// One round trip to the live source for `status`: nil when not configured.
    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)?

    /// `doctor`'s checks of the live source.
    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding]

    /// Whether the environment names a place to restore it into (rebuild).
    func hasRestoreTarget(_ settings: Settings) -> Bool

    /// Checks every artifact the restore reads and every target it writes,
    /// changing nothing live; the returned plan applies it.
    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore
}

/// What a rebuild does with a component of the set.
enum RebuildRole: Sendable {
    /// Restored into the stack when the environment names its target.
    case restored
    /// Restored only when the rebuild is asked to (`--restore-config`).
    case onRequest
    /// Named in the report (what the data matches), not restored.
    case reported
}

extension ComponentHandler {
    /// From the configuration's one table of component variables
    /// (`Settings.componentVariableTable`), never written a second time.
    var variable: String { Settings.componentVariables[component.rawValue]! }
    var followsChain: Bool { false }
    var independentFrames: Bool { false }
    var rebuildRole: RebuildRole { .restored }
    var rebuild: (any ComponentRebuild)? { nil }
    func contentVersion(_ artifact: Manifest.Artifact) -> String? { nil }
    func hasRestoreTarget(_ settings: Settings) -> Bool { isConfigured(settings) }
}

/// A component's restore, decided and checked, not yet applied.
protocol PreparedRestore {
    var component: Component { get }
    /// Whether it writes the live data the set was taken from (then the
    /// stack's containers are stopped around the restore).
    var live: Bool { get }
    /// A staging folder holding the restored data until it is swapped in:
    /// removed when the restore is interrupted before the swap.
    var staging: String? { get }
    /// Changes the target; appends what it restored to `outcome`.
    func apply(into outcome: inout RestoreJob.Outcome) throws
    /// Drops what was prepared (staging) when the restore does not go ahead.
    func discard()
}

extension PreparedRestore {
    var staging: String? { nil }
    func discard() {}
}
