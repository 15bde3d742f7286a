import Foundation
import LifeboatConfiguration
import Storage

/// The service's second chance for off-site copies: every complete local
/// set taken for a remote tier (its manifest's `targets`), still
/// within that tier's retention and missing there, is copied now, newest
/// sets first chosen, oldest first copied (a chain's links before the sets
/// on them). A tier that fails stops its own catch-up, never the others'.
/// A set not taken for the local tier (BACKUP_LOCAL=false: it stayed only
/// because its copy failed) loses its local copy once every tier it was
/// taken for holds it.
public struct CatchUpCopies: Sendable {
    public let settings: Settings
    public let console: Console
    public let now: @Sendable () -> Date
    /// At most this many sets per tier and run (a long outage catches up
    /// over several runs instead of holding one up for hours).
    public var limit = 10

    public init(settings: Settings, console: Console, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.console = console
        self.now = now
    }

    public struct Result: Sendable {
        public var copied: [(set: BackupSetID, tier: String)] = []
        public var failures: [LifeboatError] = []
        /// Sets still missing in a tier they were taken for, with their age.
        public var missing: [(set: BackupSetID, tier: String, age: TimeInterval)] = []
    }

    public func run() -> Result {
        var result = Result()
        guard let tiers = try? Tiers(settings), !tiers.remote.isEmpty,
              let local = try? SetCatalog(tier: tiers.local).list().complete else { return result }
        let defaults = tiers.defaultTargets(settings)
        var held: [BackupSetID: Set<String>] = [:]
        for remote in tiers.remote {
            let retention = TimeInterval(settings.storage.retention(for: remote.name).days) * 86_400
            let wanted = local.filter {
                ($0.manifest.targets ?? defaults).contains(remote.name) && now().timeIntervalSince($0.manifest.finishedAt) < retention
            }
            guard !wanted.isEmpty else { continue }
            let there: Set<BackupSetID>
            do {
                there = Set(try SetCatalog(tier: remote).list().complete.map(\.id))
            } catch {
                result.failures.append(LifeboatError.wrap(error, doing: "listing the \(remote.name) tier to catch up its copies"))
                continue
            }
            for entry in wanted where there.contains(entry.id) { held[entry.id, default: []].insert(remote.name) }
            var missing = wanted.filter { !there.contains($0.id) }
            let chosen = Set(missing.sorted { $0.manifest.finishedAt > $1.manifest.finishedAt }.prefix(limit).map(\.id))
            for entry in missing.sorted(by: { $0.manifest.finishedAt < $1.manifest.finishedAt }) where chosen.contains(entry.id) {
                do {
                    console.info("catching up: \(entry.id) was taken for the \(remote.name) tier and is not there")
                    _ = try SetCopier(console: console).copy(entry.manifest, from: tiers.local, to: remote, now: now())
                    result.copied.append((entry.id, remote.name))
                    held[entry.id, default: []].insert(remote.name)
                    missing.removeAll { $0.id == entry.id }
                } catch {
                    result.failures.append(LifeboatError.wrap(error, doing: "catching up \(entry.id) in the \(remote.name) tier"))
                    break
                }
            }
            result.missing += missing.map { ($0.id, remote.name, now().timeIntervalSince($0.manifest.finishedAt)) }
        }
        for entry in local {
            let targets = entry.manifest.targets ?? defaults
            let needed = Set(targets.filter { $0 != "local" })
            guard !targets.contains("local"), !needed.isEmpty, needed.isSubset(of: held[entry.id] ?? []) else { continue }
            do {
                try tiers.local.delete(key: "\(entry.id)/\(Manifest.fileName)")
                try tiers.local.deleteAll(prefix: entry.id.rawValue)
                console.info("the local copy of \(entry.id) (taken without the local tier, kept while its copy was missing) was removed, now that \(needed.sorted().joined(separator: ", ")) hold it")
            } catch {
                result.failures.append(LifeboatError.wrap(error, doing: "removing the local copy of \(entry.id) (BACKUP_LOCAL=false)"))
            }
        }
        return result
    }
}
