import ByteStreams
import Foundation
import LifeboatConfiguration
import MongoArchive
import MongoSource
import Storage

/// What a component's backup may use: the run's settings, the local tier
/// the set is written into, the set, the incremental's parent, and the
/// options of this backup.
struct ComponentBackup {
    let settings: Settings
    let tier: LocalTier
    let console: Console
    let setID: BackupSetID
    /// The set an incremental builds on (nil: a full set).
    let parent: Manifest?
    let mongoSelection: NamespaceSelection
    let encryption: EncryptionTarget
    let captured: BackupJob.CapturedOplog?
    /// Cuts the artifact being written into independent compressed frames
    /// (set by the backup job for each artifact).
    var frames: (any IndependentFrames)? = nil

    /// The console's warning line (a `@Sendable` closure, for the sources' callbacks).
    var warn: @Sendable (String) -> Void { console.warn }
}
