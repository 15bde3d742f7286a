import Configuration
import Foundation
import Storage

/// The sets of every configured tier, merged by id: what `list` shows,
/// including sets that exist only remotely (after the local disk was lost).
public struct TieredCatalog: Sendable {
    public let tiers: Tiers
    public let console: Console

    public init(tiers: Tiers, console: Console = .standardError) {
        self.tiers = tiers
        self.console = console
    }

    /// One set and the tiers holding a complete copy of it.
    public struct Row: Sendable {
        public let id: BackupSetID
        public let manifest: Manifest
        /// One entry per tier, in tier order (local, s3, glacier).
        public let entries: [CatalogEntry]

        public var tierNames: [String] { entries.map(\.tier) }
        /// Passed if any copy passed, failed if every verified copy failed.
        public var verificationState: CatalogEntry.VerificationState {
            if entries.contains(where: { $0.verificationState == .passed }) { return .passed }
            if entries.contains(where: { $0.verificationState == .failed }) { return .failed }
            if entries.contains(where: { $0.verificationState == .notChecked }) { return .notChecked }
            return .unverified
        }
    }

    public struct Listing: Sendable {
        public var rows: [Row] = []
        public var incomplete: [(tier: String, id: BackupSetID)] = []
        public var unreadable: [(tier: String, id: BackupSetID, problem: String)] = []
        /// Tiers that could not be listed, with why.
        public var failures: [(tier: String, error: LifeboatError)] = []
    }

    public func list(only names: [String]? = nil) throws -> Listing {
        var listing = Listing()
        var byID: [BackupSetID: [CatalogEntry]] = [:]
        for tier in tiers.all where names?.contains(tier.name) ?? true {
            do {
                let part = try SetCatalog(tier: tier).list()
                for entry in part.complete { byID[entry.id, default: []].append(entry) }
                listing.incomplete += part.incomplete.map { (tier.name, $0) }
                listing.unreadable += part.unreadable.map { (tier.name, $0.0, $0.1) }
            } catch {
                listing.failures.append((tier.name, LifeboatError.wrap(error, doing: "listing the \(tier.name) tier")))
            }
        }
        listing.rows = byID.map { id, entries in
            Row(id: id, manifest: entries[0].manifest, entries: entries)
        }.sorted { ($0.manifest.startedAt, $0.manifest.finishedAt, $0.id.rawValue) < ($1.manifest.startedAt, $1.manifest.finishedAt, $1.id.rawValue) }
        return listing
    }

    /// Resolves `latest` or an id in the named tier; without one, in the
    /// local tier first and then, when the set is not there, in S3 and Glacier.
    public func resolve(_ reference: String?, from name: String?, components: [Component]? = nil) throws -> (tier: any StorageTier, entry: CatalogEntry) {
        if let name {
            let tier = try tiers.named(name)
            return (tier, try SetCatalog(tier: tier).resolve(reference, components: components))
        }
        do {
            return (tiers.local, try SetCatalog(tier: tiers.local).resolve(reference, components: components))
        } catch let localError as LifeboatError where localError.status == .failure && !tiers.remote.isEmpty {
            for tier in tiers.remote {
                if let entry = try? SetCatalog(tier: tier).resolve(reference, components: components) {
                    console.info("\(reference ?? "latest") is not in the local tier; using the copy in \(tier.name) (\(tier.location))")
                    return (tier, entry)
                }
            }
            throw localError
        }
    }
}
