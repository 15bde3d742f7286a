import LifeboatConfiguration
import Foundation
import S3Storage
import Storage

/// Applies each tier's retention (RetentionPlanner) to the sets it holds,
/// and removes incomplete sets: in the local tier always (no backup can be
/// running: we hold the lock), in remote tiers once they are a day old (a
/// backup on another host may be writing one), with the multipart uploads
/// an unreachable server kept.
public struct Pruner: Sendable {
    public let settings: Settings
    public let tiers: [any StorageTier]
    public let console: Console
    public let now: @Sendable () -> Date

    public init(settings: Settings, tiers: [any StorageTier]? = nil, console: Console = .standardError,
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.settings = settings
        self.tiers = try tiers ?? Tiers(settings).all
        self.console = console
        self.now = now
    }

    public struct Decision: Sendable, Codable {
        public enum Action: String, Sendable, Codable { case keep, delete }
        public let id: BackupSetID
        public let tier: String
        public let action: Action
        public let reason: String
        public let storedBytes: Int64
    }

    public struct Plan: Sendable, Codable {
        public var decisions: [Decision]
        public var incomplete: [IncompleteSet]
        public var deletions: [Decision] { decisions.filter { $0.action == .delete } }
        public var bytesFreed: Int64 { deletions.reduce(0) { $0 + $1.storedBytes } }
    }

    public struct IncompleteSet: Sendable, Codable {
        public let id: BackupSetID
        public let tier: String
    }

    static let remoteIncompleteGrace: TimeInterval = 86_400

    /// What prune would do, without doing it.
    public func plan() throws -> Plan {
        var plan = Plan(decisions: [], incomplete: [])
        for tier in tiers {
            let part = try self.plan(tier)
            plan.decisions += part.decisions
            plan.incomplete += part.incomplete
        }
        return plan
    }

    func plan(_ tier: any StorageTier) throws -> Plan {
        let listing: SetCatalog.Listing
        do {
            listing = try SetCatalog(tier: tier).list()
        } catch {
            throw LifeboatError.wrap(error, doing: "listing the \(tier.name) tier (\(tier.location))")
        }
        return try heldByLocks(plan(tier, from: listing), in: tier)
    }

    /// A set the retention would delete but an Object Lock still holds is
    /// kept, saying until when: S3 refuses to delete a locked version (a
    /// plain DELETE would only hide the set behind a delete marker).
    func heldByLocks(_ plan: Plan, in tier: any StorageTier) throws -> Plan {
        var plan = plan
        for (index, decision) in plan.decisions.enumerated() where decision.action == .delete {
            if let until = try tier.lockedUntil(key: "\(decision.id)/\(Manifest.fileName)"), until > now() {
                plan.decisions[index] = Decision(id: decision.id, tier: decision.tier, action: .keep,
                                                 reason: "\(decision.reason), but its Object Lock holds it until \(until.formatted(Date.ISO8601FormatStyle())) (the prune after that deletes it)",
                                                 storedBytes: decision.storedBytes)
            }
        }
        return plan
    }

    /// A set as the retention planner sees it (what it needs kept with it included).
    static func candidate(_ entry: CatalogEntry) -> RetentionPlanner.Candidate {
        RetentionPlanner.Candidate(id: entry.id, time: entry.manifest.finishedAt, verified: entry.verificationState == .passed,
                                   parent: entry.manifest.parent, alsoNeeds: [entry.manifest.artifact(.files)?.deltaOf].compactMap { $0 },
                                   storedBytes: entry.manifest.storedBytes)
    }

    /// What prune would do in `tier`, from a listing already made (`status`
    /// lists every tier once, for its own screen and for this).
    public func plan(_ tier: any StorageTier, from listing: SetCatalog.Listing) -> Plan {
        let policy = settings.storage.retention(for: tier.name)
        let candidates = listing.complete.map(Self.candidate)
        let reasons = RetentionPlanner(policy: policy, timeZone: settings.timeZone).reasons(for: candidates, now: now())
        let decisions = candidates.map { candidate -> Decision in
            if let kept = reasons[candidate.id] {
                return Decision(id: candidate.id, tier: tier.name, action: .keep, reason: kept.joined(separator: "; "), storedBytes: candidate.storedBytes)
            }
            return Decision(id: candidate.id, tier: tier.name, action: .delete, reason: "older than \(policy.days) days, no keep rule",
                            storedBytes: candidate.storedBytes)
        }
        var incomplete = listing.incomplete
        if !tier.isLocal {
            incomplete = incomplete.filter { now().timeIntervalSince($0.time) > Self.remoteIncompleteGrace }
        }
        return Plan(decisions: decisions, incomplete: incomplete.map { IncompleteSet(id: $0, tier: tier.name) })
    }

    public func run(dryRun: Bool) throws -> Plan {
        if dryRun { return try plan() }
        guard FileManager.default.fileExists(atPath: settings.backupDirectory) || tiers.contains(where: { !$0.isLocal }) else {
            return Plan(decisions: [], incomplete: [])
        }
        try LocalTier.makeDirectories(settings.backupDirectory)
        let lock = try BackupLock(directory: settings.backupDirectory, purpose: "prune")
        defer { withExtendedLifetime(lock) {} }
        var done = Plan(decisions: [], incomplete: [])
        var failures: [String] = []
        for tier in tiers {
            do {
                let plan = try self.plan(tier)
                try apply(plan, to: tier)
                done.decisions += plan.decisions
                done.incomplete += plan.incomplete
            } catch {
                failures.append(LifeboatError.wrap(error, doing: "pruning the \(tier.name) tier").message)
            }
        }
        if !failures.isEmpty {
            throw LifeboatError(.failure, failures.joined(separator: "; "), hint: "the other tiers were pruned; run `lifeboat prune` again once the tier is reachable")
        }
        return done
    }

    private func apply(_ plan: Plan, to tier: any StorageTier) throws {
        for set in plan.incomplete {
            try tier.deleteAll(prefix: set.id.rawValue)
            console.info("removed incomplete set \(set.id) from \(tier.name)")
        }
        // Uploads begun more than a day ago and never finished or aborted.
        for key in try tier.abortUnfinishedUploads(begunBefore: now().addingTimeInterval(-Self.remoteIncompleteGrace)) {
            console.info("aborted an unfinished upload of \(key) in \(tier.name)")
        }
        for decision in plan.deletions {
            // The manifest goes first: from then on the set is incomplete,
            // so a crash mid-delete leaves nothing that lists as complete.
            try tier.delete(key: "\(decision.id)/\(Manifest.fileName)")
            try tier.deleteForGood(prefix: decision.id.rawValue)
            console.info("deleted \(decision.id) from \(tier.name) (\(decision.reason))")
        }
    }
}
