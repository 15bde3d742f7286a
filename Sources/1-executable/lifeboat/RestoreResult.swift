import Foundation
import LifeboatCore

/// `restore --json`: what was restored where, what was not and why.
struct RestoreResult: Encodable {
    struct Restored: Encodable { let component: String; let to: String }
    struct NotRestored: Encodable { let component: String; let error: String }
    let set: String
    let restored: [Restored]
    let notRestored: [NotRestored]
    /// Where replaced uploads were kept.
    let keptPrevious: [String]
    let notes: [String]
    /// The oplog position replayed up to (--to-time).
    let pointInTime: String?

    init(set: String, restored: [Restored], notRestored: [NotRestored], keptPrevious: [String], notes: [String], pointInTime: String?) {
        self.set = set
        self.restored = restored
        self.notRestored = notRestored
        self.keptPrevious = keptPrevious
        self.notes = notes
        self.pointInTime = pointInTime
    }

    init(_ outcome: RestoreJob.Outcome, failures: [(Component, String)], pointInTime: String?) {
        set = outcome.id.rawValue
        restored = outcome.restored.map { Restored(component: $0.0.rawValue, to: $0.1) }
        notRestored = failures.map { NotRestored(component: $0.0.rawValue, error: $0.1) }
        keptPrevious = outcome.keptPrevious
        notes = outcome.notes
        self.pointInTime = pointInTime
    }
}
