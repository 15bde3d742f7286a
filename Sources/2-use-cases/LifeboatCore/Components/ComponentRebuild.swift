import Foundation
import LifeboatConfiguration

/// What a rebuild does for one component of the set: its Compose service
/// to start, what the stack already holds of it, its restore step, and the
/// check of the restored data. `RebuildRun` walks these; it names no
/// component itself.
protocol ComponentRebuild {
    /// The restore step's name in the report (`mongo`, `uploads`).
    var stepName: String { get }
    /// Restored before the data services start (config, which they may read).
    var beforeServices: Bool { get }
    /// Among the data steps, lower first.
    var order: Int { get }

    /// The Compose service the rebuild starts (and waits for) before restoring.
    func service(_ settings: Settings) -> String?
    /// Waits until the started service answers; what it says (nil: nothing to wait for).
    func waitUntilAnswering(_ settings: Settings, timeoutSeconds: Double) throws -> String?
    /// What the stack already holds of this component (nil: nothing).
    func existingData(_ settings: Settings) throws -> String?
    /// Once the empty check allows replacing (--force): what it sets aside, said.
    func setAside(_ settings: Settings) throws -> String?

    /// What `--dry-run` says the step would do.
    func plan(_ target: RebuildRun.Located, _ settings: Settings) -> String
    /// The restore step; what it did.
    func restore(_ target: RebuildRun.Located, in run: RebuildRun) throws -> String
    /// The restored data against the manifest: the report's check line, or nil.
    func check(_ target: RebuildRun.Located, _ settings: Settings) throws -> String?
}

extension ComponentRebuild {
    var beforeServices: Bool { false }
    func service(_ settings: Settings) -> String? { nil }
    func waitUntilAnswering(_ settings: Settings, timeoutSeconds: Double) throws -> String? { nil }
    func existingData(_ settings: Settings) throws -> String? { nil }
    func setAside(_ settings: Settings) throws -> String? { nil }
    func check(_ target: RebuildRun.Located, _ settings: Settings) throws -> String? { nil }
}
