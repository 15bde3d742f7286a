import Foundation
import Storage

/// A restore from the first copy of a set that can be used: when the copy
/// in one tier cannot be (its tier unreachable, an artifact damaged, its
/// last verification failed) and nothing was changed, the next tier in the
/// lookup order (RESTORE_ORDER) that holds the set is tried, and the
/// outcome's last line says which copy was used and why.
public struct RestoreFallback: Sendable {
    public let tiers: Tiers
    public let console: Console
    /// Off with --from (the operator chose the tier).
    public let enabled: Bool

    public init(tiers: Tiers, console: Console, enabled: Bool = true) {
        self.tiers = tiers
        self.console = console
        self.enabled = enabled
    }

    public func run(_ id: BackupSetID, first: any StorageTier, _ restore: (any StorageTier) throws -> RestoreJob.Outcome) throws -> RestoreJob.Outcome {
        var source = first
        var passedOver: [(tier: String, why: String)] = []
        var candidates: [any StorageTier]?
        while true {
            do {
                var outcome = try restore(source)
                if !passedOver.isEmpty {
                    outcome.notes.append("from the \(source.name) copy: " + passedOver.map { "the \($0.tier) copy could not be used (\($0.why))" }.joined(separator: "; "))
                }
                return outcome
            } catch let unusable as RestoreJob.UnusableCopy {
                guard enabled else { throw unusable.error }
                if candidates == nil { candidates = TieredCatalog(tiers: tiers, console: console).otherCopies(of: id, after: source.name) }
                guard !candidates!.isEmpty else {
                    guard !passedOver.isEmpty else { throw unusable.error }
                    let earlier = passedOver.map { "the \($0.tier) copy: \($0.why)" }.joined(separator: "; ")
                    throw LifeboatError(unusable.error.status, "no copy of \(id) could be used, nothing was changed: \(earlier); the \(unusable.tier) copy: \(unusable.error.message)",
                                        hint: unusable.error.hint)
                }
                let next = candidates!.removeFirst()
                console.warn("the \(unusable.tier) copy of \(id) cannot be used, nothing was changed: \(unusable.error.message)")
                console.warn("trying the copy in \(next.name) (\(next.location))")
                passedOver.append((unusable.tier, unusable.error.message))
                source = next
            }
        }
    }
}
