import Configuration
import Foundation
import Storage

/// Applies retention to the local tier: sets older than
/// `BACKUP_RETENTION_DAYS` go, except the newest set that passed
/// verification and the newest set of all, which are always kept.
/// Incomplete sets (interrupted backups) are removed too.
public struct Pruner: Sendable {
    public let settings: Settings
    public let tier: LocalTier
    public let console: Console
    public let now: @Sendable () -> Date

    public init(settings: Settings, console: Console = .standardError, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.tier = LocalTier(root: settings.backupDirectory)
        self.console = console
        self.now = now
    }

    public struct Decision: Sendable, Codable {
        public enum Action: String, Sendable, Codable { case keep, delete }
        public let id: BackupSetID
        public let action: Action
        public let reason: String
        public let storedBytes: Int64
    }

    public struct Plan: Sendable, Codable {
        public var decisions: [Decision]
        public var incomplete: [BackupSetID]
        public var deletions: [Decision] { decisions.filter { $0.action == .delete } }
        public var bytesFreed: Int64 { deletions.reduce(0) { $0 + $1.storedBytes } }
    }

    /// What prune would do, without doing it.
    public func plan() throws -> Plan {
        let listing = try SetCatalog(tier: tier).list()
        let cutoff = now().addingTimeInterval(-Double(settings.retentionDays) * 86_400)
        let newest = listing.complete.last?.id
        let newestVerified = listing.complete.last(where: { $0.verificationState == .passed })?.id
        var decisions: [Decision] = []
        for entry in listing.complete {
            let age = entry.manifest.finishedAt
            let bytes = entry.manifest.storedBytes
            if entry.id == newestVerified {
                decisions.append(.init(id: entry.id, action: .keep, reason: "newest verified set", storedBytes: bytes))
            } else if entry.id == newest {
                decisions.append(.init(id: entry.id, action: .keep, reason: "newest set", storedBytes: bytes))
            } else if age < cutoff {
                decisions.append(.init(id: entry.id, action: .delete, reason: "older than \(settings.retentionDays) days", storedBytes: bytes))
            } else {
                decisions.append(.init(id: entry.id, action: .keep, reason: "within \(settings.retentionDays) days", storedBytes: bytes))
            }
        }
        return Plan(decisions: decisions, incomplete: listing.incomplete)
    }

    public func run(dryRun: Bool) throws -> Plan {
        if dryRun { return try plan() }
        guard FileManager.default.fileExists(atPath: settings.backupDirectory) else { return Plan(decisions: [], incomplete: []) }
        let lock = try BackupLock(directory: settings.backupDirectory, purpose: "prune")
        defer { withExtendedLifetime(lock) {} }
        let plan = try plan()
        for id in plan.incomplete {
            try tier.deleteAll(prefix: id.rawValue)
            console.info("removed incomplete set \(id)")
        }
        for decision in plan.deletions {
            // The manifest goes first: from then on the set is incomplete,
            // so a crash mid-delete leaves nothing that lists as complete.
            try tier.delete(key: "\(decision.id)/\(Manifest.fileName)")
            try tier.deleteAll(prefix: decision.id.rawValue)
            console.info("deleted \(decision.id) (\(decision.reason))")
        }
        return plan
    }
}
