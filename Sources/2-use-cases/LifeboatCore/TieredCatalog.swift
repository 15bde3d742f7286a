import LifeboatConfiguration
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
        /// Each listed tier's own listing (what prune plans from).
        public var byTier: [String: SetCatalog.Listing] = [:]

        public init() {}
    }

    public func list(only names: [String]? = nil) throws -> Listing {
        var listing = Listing()
        var byID: [BackupSetID: [CatalogEntry]] = [:]
        for tier in tiers.all where names?.contains(tier.name) ?? true {
            do {
                let part = try SetCatalog(tier: tier).list()
                listing.byTier[tier.name] = part
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
    /// When no tier has it, the error says what each tier holds and the
    /// command that works with this configuration.
    public func resolve(_ reference: String?, from name: String?, components: [Component]? = nil) throws -> (tier: any StorageTier, entry: CatalogEntry) {
        if let name {
            let tier = try tiers.named(name)
            return (tier, try SetCatalog(tier: tier).resolve(reference, components: components))
        }
        do {
            return (tiers.local, try SetCatalog(tier: tiers.local).resolve(reference, components: components))
        } catch let localError as LifeboatError where localError.status == .failure {
            var found: [String] = [Self.describeLocal(tiers.local)]
            var alternatives: [String] = []
            for tier in tiers.remote {
                do {
                    let entry = try SetCatalog(tier: tier).resolve(reference, components: components)
                    console.info("\(reference ?? "latest") is not in the local tier; using the copy in \(tier.name) (\(tier.location))")
                    return (tier, entry)
                } catch {
                    let listing = try? SetCatalog(tier: tier).list()
                    if let listing {
                        found.append("\(tier.name) (\(tier.location)) holds \(listing.complete.count) complete set(s)\(listing.complete.isEmpty ? "" : ", none matching")")
                        if !listing.complete.isEmpty { alternatives.append("lifeboat list --tier \(tier.name)") }
                    } else {
                        found.append("\(tier.name) (\(tier.location)) could not be read: \(LifeboatError.wrap(error, doing: "listing").message)")
                    }
                }
            }
            let hint: String
            if tiers.remote.isEmpty && !FileManager.default.fileExists(atPath: tiers.local.location) {
                hint = "\(tiers.local.location) does not exist and AWS_S3_BUCKET is not set: mount the backup volume at BACKUP_DIR, or set AWS_S3_BUCKET (and its credentials) to restore from S3"
            } else if let alternative = alternatives.first {
                hint = "see what is there: \(alternative)"
            } else {
                hint = localError.hint ?? "`lifeboat list` shows the complete sets"
            }
            throw LifeboatError(.failure, (reference.map { "set \($0) not found" } ?? "no usable complete set") + ": " + found.joined(separator: "; "), hint: hint)
        }
    }

    /// What the local tier holds, for messages: a missing folder is said.
    static func describeLocal(_ tier: any StorageTier) -> String {
        guard FileManager.default.fileExists(atPath: tier.location) else {
            return "the local tier \(tier.location) does not exist (no backup was taken here, or the volume is not mounted)"
        }
        let count = (try? SetCatalog(tier: tier).list().complete.count) ?? 0
        return "the local tier \(tier.location) holds \(count) complete set(s)\(count == 0 ? "" : ", none matching")"
    }
}
